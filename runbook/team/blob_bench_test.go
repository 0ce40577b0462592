package team

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// BenchmarkPutBlob: a 24 MiB attachment uploaded by PutBlob (hashed whole and per part,
// a HEAD, three 8 MiB parts each with its SHA-256 checksum, the completion), side by
// side with one bare PutObject of the same bytes to the same moto, and the second
// upload of the same content (one HEAD and the local hashing).
func BenchmarkPutBlob(b *testing.B) {
	c := motoS3(b)
	path, _ := blobFile(b, 24<<20)
	data, _ := os.ReadFile(path)
	ctx := context.Background()
	b.Run("muster-putblob", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			bucket := fmt.Sprintf("bench-blob-%d-%d", time.Now().UnixNano(), i)
			makeBucket(b, c, bucket, false)
			s := New(c, Location{Bucket: bucket}) // a new bucket: the blob is uploaded
			if err := s.PutBlob(ctx, sumOf(data), path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare-putobject", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		bucket := fmt.Sprintf("bench-bare-%d", time.Now().UnixNano())
		makeBucket(b, c, bucket, false)
		for i := 0; i < b.N; i++ {
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("bare/" + strconv.Itoa(i)),
				Body: bytes.NewReader(data)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("muster-putblob-again", func(b *testing.B) {
		bucket := fmt.Sprintf("bench-again-%d", time.Now().UnixNano())
		makeBucket(b, c, bucket, false)
		s := New(c, Location{Bucket: bucket})
		sum := sumOf(data)
		if err := s.PutBlob(ctx, sum, path); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := s.PutBlob(ctx, sum, path); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func sumOf(b []byte) string {
	h := sha256Of(b)
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 64)
	for _, c := range h {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
