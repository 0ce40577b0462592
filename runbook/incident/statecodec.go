package incident

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"
)

// The state cache's encoding: every exported field of the state, in declaration order,
// by its Go type (the header's build id guarantees the reader has the writer's types).
// Strings are length-prefixed bytes, numbers varints, a nil slice or map is told from
// an empty one, times are time.Time's own binary form, and an attachment's Meta (JSON
// values) is its JSON. Decoding takes every string as a slice of the cache's bytes, so
// a state of 100,000 events costs one read of the file and its structs, not an
// allocation per string: a fresh process spends its time on page faults for new memory
// (see README, Performance), so less memory is less time.
//
// It is built for the state's types by reflection on first use (nothing at start-up,
// unlike encoding/gob's package init) and refuses, rather than drops, a type it cannot
// carry: a channel, a function, or an interface other than the empty one.

type stateCodec struct {
	enc func(w *cacheWriter, v reflect.Value)
	dec func(r *cacheReader, v reflect.Value)
}

var (
	codecMu sync.Mutex
	codecs  = map[reflect.Type]*stateCodec{}
)

// codecFor returns the codec of t, built once.
func codecFor(t reflect.Type) (*stateCodec, error) {
	codecMu.Lock()
	defer codecMu.Unlock()
	return buildCodec(t)
}

func buildCodec(t reflect.Type) (*stateCodec, error) {
	if c, ok := codecs[t]; ok {
		return c, nil // also a type being built (a recursive type): its fields are filled in below
	}
	c := &stateCodec{}
	codecs[t] = c
	fail := func(err error) (*stateCodec, error) { delete(codecs, t); return nil, err }
	switch t.Kind() {
	case reflect.Bool:
		c.enc = func(w *cacheWriter, v reflect.Value) {
			if v.Bool() {
				w.b = append(w.b, 1)
			} else {
				w.b = append(w.b, 0)
			}
		}
		c.dec = func(r *cacheReader, v reflect.Value) { v.SetBool(r.byte() == 1) }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c.enc = func(w *cacheWriter, v reflect.Value) { w.b = binary.AppendVarint(w.b, v.Int()) }
		c.dec = func(r *cacheReader, v reflect.Value) { v.SetInt(r.varint()) }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		c.enc = func(w *cacheWriter, v reflect.Value) { w.b = binary.AppendUvarint(w.b, v.Uint()) }
		c.dec = func(r *cacheReader, v reflect.Value) { v.SetUint(r.uvarint()) }
	case reflect.Float32, reflect.Float64:
		c.enc = func(w *cacheWriter, v reflect.Value) {
			w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(v.Float()))
		}
		c.dec = func(r *cacheReader, v reflect.Value) { v.SetFloat(math.Float64frombits(r.uint64())) }
	case reflect.String:
		c.enc = func(w *cacheWriter, v reflect.Value) { w.b = appendString(w.b, v.String()) }
		c.dec = func(r *cacheReader, v reflect.Value) { v.SetString(r.string()) }
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 { // []byte, json.RawMessage: copied, the caller may write to it
			c.enc = func(w *cacheWriter, v reflect.Value) {
				if v.IsNil() {
					w.b = append(w.b, 0)
					return
				}
				w.b = appendString(binary.AppendUvarint(w.b, 1), string(v.Bytes()))
			}
			c.dec = func(r *cacheReader, v reflect.Value) {
				if r.uvarint() != 0 {
					v.SetBytes([]byte(r.string()))
				}
			}
			break
		}
		ec, err := buildCodec(t.Elem())
		if err != nil {
			return fail(err)
		}
		c.enc = func(w *cacheWriter, v reflect.Value) {
			if v.IsNil() {
				w.b = append(w.b, 0)
				return
			}
			w.b = binary.AppendUvarint(w.b, uint64(v.Len())+1)
			for i := range v.Len() {
				ec.enc(w, v.Index(i))
				w.spill()
			}
		}
		c.dec = func(r *cacheReader, v reflect.Value) {
			n, ok := r.count()
			if !ok {
				return
			}
			s := reflect.MakeSlice(t, n, n)
			for i := 0; i < n && r.err == nil; i++ {
				ec.dec(r, s.Index(i))
			}
			v.Set(s)
		}
	case reflect.Array:
		ec, err := buildCodec(t.Elem())
		if err != nil {
			return fail(err)
		}
		c.enc = func(w *cacheWriter, v reflect.Value) {
			for i := range v.Len() {
				ec.enc(w, v.Index(i))
			}
		}
		c.dec = func(r *cacheReader, v reflect.Value) {
			for i := 0; i < v.Len() && r.err == nil; i++ {
				ec.dec(r, v.Index(i))
			}
		}
	case reflect.Map:
		kc, err := buildCodec(t.Key())
		if err != nil {
			return fail(err)
		}
		vc, err := buildCodec(t.Elem())
		if err != nil {
			return fail(err)
		}
		c.enc = func(w *cacheWriter, v reflect.Value) {
			if v.IsNil() {
				w.b = append(w.b, 0)
				return
			}
			w.b = binary.AppendUvarint(w.b, uint64(v.Len())+1)
			for it := v.MapRange(); it.Next(); {
				kc.enc(w, it.Key())
				vc.enc(w, it.Value())
			}
		}
		c.dec = func(r *cacheReader, v reflect.Value) {
			n, ok := r.count()
			if !ok {
				return
			}
			m := reflect.MakeMapWithSize(t, n)
			k, e := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
			for i := 0; i < n && r.err == nil; i++ {
				k.SetZero()
				e.SetZero()
				kc.dec(r, k)
				vc.dec(r, e)
				m.SetMapIndex(k, e)
			}
			v.Set(m)
		}
	case reflect.Pointer:
		ec, err := buildCodec(t.Elem())
		if err != nil {
			return fail(err)
		}
		c.enc = func(w *cacheWriter, v reflect.Value) {
			if v.IsNil() {
				w.b = append(w.b, 0)
				return
			}
			w.b = append(w.b, 1)
			ec.enc(w, v.Elem())
		}
		c.dec = func(r *cacheReader, v reflect.Value) {
			if r.byte() == 1 {
				p := reflect.New(t.Elem())
				ec.dec(r, p.Elem())
				v.Set(p)
			}
		}
	case reflect.Interface:
		if t.NumMethod() > 0 {
			return fail(fmt.Errorf("%s: an interface with methods", t))
		}
		// Only JSON values are kept in an empty interface of the state (Meta): their
		// JSON is their exact form.
		c.enc = func(w *cacheWriter, v reflect.Value) {
			if v.IsNil() {
				w.b = append(w.b, 0)
				return
			}
			b, err := json.Marshal(v.Interface())
			if err != nil {
				panic(cacheEncodeError{err})
			}
			w.b = appendString(append(w.b, 1), string(b))
		}
		c.dec = func(r *cacheReader, v reflect.Value) {
			if r.byte() != 1 {
				return
			}
			var x any
			if err := json.Unmarshal([]byte(r.string()), &x); err != nil {
				r.fail(err)
				return
			}
			if x != nil {
				v.Set(reflect.ValueOf(x))
			}
		}
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() {
			// The instant and its zone as time.Time's own binary form keeps them: UTC,
			// Local when the offset is Local's then, else a fixed offset.
			c.enc = func(w *cacheWriter, v reflect.Value) {
				var tm time.Time
				if v.CanAddr() {
					tm = *v.Addr().Interface().(*time.Time)
				} else {
					tm = v.Interface().(time.Time)
				}
				b := binary.AppendVarint(w.b, tm.Unix())
				b = binary.AppendUvarint(b, uint64(tm.Nanosecond()))
				switch _, off := tm.Zone(); {
				case tm.Location() == time.UTC:
					b = append(b, 0)
				case tm.Location() == time.Local:
					b = binary.AppendVarint(append(b, 1), int64(off))
				default:
					b = binary.AppendVarint(append(b, 2), int64(off))
				}
				w.b = b
			}
			c.dec = func(r *cacheReader, v reflect.Value) {
				sec, nsec := r.varint(), r.uvarint()
				if nsec >= 1e9 {
					r.fail(errCacheShort)
					return
				}
				tm := time.Unix(sec, int64(nsec))
				switch r.byte() {
				case 0:
					tm = tm.UTC()
				case 1:
					r.varint()
					tm = tm.In(time.Local)
				default:
					off := r.varint()
					if off < -18*3600 || off > 18*3600 {
						r.fail(errCacheShort)
						return
					}
					tm = tm.In(time.FixedZone("", int(off)))
				}
				*v.Addr().Interface().(*time.Time) = tm
			}
			break
		}
		type field struct {
			i int
			c *stateCodec
		}
		var fields []field
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue // set by the reader (State.rb); TestStateSurvivesTheCache allows no other
			}
			fc, err := buildCodec(f.Type)
			if err != nil {
				return fail(fmt.Errorf("%s.%s: %w", t, f.Name, err))
			}
			fields = append(fields, field{i, fc})
		}
		c.enc = func(w *cacheWriter, v reflect.Value) {
			for _, f := range fields {
				f.c.enc(w, v.Field(f.i))
			}
		}
		c.dec = func(r *cacheReader, v reflect.Value) {
			for _, f := range fields {
				if r.err != nil {
					return
				}
				f.c.dec(r, v.Field(f.i))
			}
		}
	default:
		return fail(fmt.Errorf("%s: a %s cannot be cached", t, t.Kind()))
	}
	return c, nil
}

type cacheEncodeError struct{ err error }

func appendString(w []byte, s string) []byte {
	return append(binary.AppendUvarint(w, uint64(len(s))), s...)
}

// cacheWriter is an encoding being written: into b, and, when out is not nil, on to
// out whenever b holds more than cacheSpill bytes, so that a large cache file passes
// through a small buffer (fresh memory costs more than the encoding, see README's
// Performance). crc is the CRC-32C of what went to out.
type cacheWriter struct {
	b   []byte
	out io.Writer
	crc uint32
	err error // of out: everything after it is dropped
}

// cacheSpill is how much a cacheWriter holds before it writes to out.
const cacheSpill = 64 << 10

// spill writes b to out once it holds cacheSpill bytes.
func (w *cacheWriter) spill() {
	if w.out != nil && len(w.b) >= cacheSpill {
		w.flush()
	}
}

func (w *cacheWriter) flush() {
	w.crc = crc32.Update(w.crc, castagnoli(), w.b)
	if w.err == nil {
		_, w.err = w.out.Write(w.b)
	}
	w.b = w.b[:0]
}

// encode writes the encoding of v (a pointer's element).
func (w *cacheWriter) encode(v any) (err error) {
	rv := reflect.ValueOf(v).Elem()
	c, err := codecFor(rv.Type())
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			e, ok := p.(cacheEncodeError)
			if !ok {
				panic(p)
			}
			err = e.err
		}
	}()
	c.enc(w, rv)
	return nil
}

// cacheReader reads an encoding from a string; the strings it returns are slices of it.
type cacheReader struct {
	s   string
	off int
	err error
}

var errCacheShort = errors.New("state cache: cut short or damaged")

func (r *cacheReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.off = len(r.s)
}

func (r *cacheReader) byte() byte {
	if r.off >= len(r.s) {
		r.fail(errCacheShort)
		return 0
	}
	b := r.s[r.off]
	r.off++
	return b
}

func (r *cacheReader) uvarint() uint64 {
	var x uint64
	for shift := uint(0); shift < 64; shift += 7 {
		b := r.byte()
		if r.err != nil {
			return 0
		}
		x |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return x
		}
	}
	r.fail(errCacheShort)
	return 0
}

func (r *cacheReader) varint() int64 {
	u := r.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (r *cacheReader) uint64() uint64 {
	if len(r.s)-r.off < 8 {
		r.fail(errCacheShort)
		return 0
	}
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(r.s[r.off+i])
	}
	r.off += 8
	return v
}

func (r *cacheReader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.s)-r.off) {
		r.fail(errCacheShort)
		return ""
	}
	s := r.s[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

// count reads a slice or map length: ok false for nil. A length longer than the bytes
// left cannot be honest (every element takes at least one byte) and is refused before
// anything is allocated.
func (r *cacheReader) count() (int, bool) {
	n := r.uvarint()
	if n == 0 || r.err != nil {
		return 0, false
	}
	if n-1 > uint64(len(r.s)-r.off) {
		r.fail(errCacheShort)
		return 0, false
	}
	return int(n - 1), true
}

// decodeValue decodes into v (a pointer) from r.
func decodeValue(r *cacheReader, v any) error {
	rv := reflect.ValueOf(v).Elem()
	c, err := codecFor(rv.Type())
	if err != nil {
		return err
	}
	c.dec(r, rv)
	return r.err
}

// typeShape describes t as the codec lays it out: field names, kinds and element types,
// recursively; two types with the same shape encode alike.
func typeShape(t reflect.Type) string {
	var b strings.Builder
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		b.WriteString(t.Kind().String())
		switch t.Kind() {
		case reflect.Slice, reflect.Array, reflect.Pointer:
			if t.Kind() == reflect.Array {
				fmt.Fprintf(&b, "%d", t.Len())
			}
			b.WriteByte('(')
			walk(t.Elem())
			b.WriteByte(')')
		case reflect.Map:
			b.WriteByte('(')
			walk(t.Key())
			b.WriteByte(',')
			walk(t.Elem())
			b.WriteByte(')')
		case reflect.Struct:
			b.WriteString(t.String())
			if seen[t] {
				return
			}
			seen[t] = true
			b.WriteByte('{')
			for i := range t.NumField() {
				if f := t.Field(i); f.IsExported() {
					b.WriteString(f.Name + ":")
					walk(f.Type)
					b.WriteByte(';')
				}
			}
			b.WriteByte('}')
		}
	}
	walk(t)
	return b.String()
}
