package incident

import (
	"reflect"
	"strconv"
	"testing"
	"time"
	"unsafe"
)

// fill sets every exported field reachable from v to a value of its own (strings,
// numbers, bools, times in UTC, Local and a fixed zone, slices of two), and fails on
// a kind the report codec does not carry: a field added to the index's types must be
// added to report_codec.go, and this test says so.
func fill(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	*n++
	if v.Type() == reflect.TypeFor[time.Time]() {
		zones := []*time.Location{time.UTC, time.Local, time.FixedZone("", 3600*(*n%5+1))}
		v.Set(reflect.ValueOf(time.Unix(int64(*n)*86400, int64(*n)).In(zones[*n%3])))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + strconv.Itoa(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(t, v.Index(i), n)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				t.Fatalf("%s.%s: an unexported field the codec cannot see", v.Type(), v.Type().Field(i).Name)
			}
			fill(t, v.Field(i), n)
		}
	default:
		t.Fatalf("%s: a %s the report codec does not carry", v.Type(), v.Kind())
	}
}

// Every field of the report index survives the codec, and so do nil and empty
// windows and zero times.
func TestReportCodecCarriesEveryField(t *testing.T) {
	var idx reportIndex
	n := 0
	fill(t, reflect.ValueOf(&idx).Elem(), &n)
	idx.Facts = append(idx.Facts, Facts{ID: "a", Windows: []ImpactEntry{}}, Facts{ID: "0"})
	idx.Entries = append(idx.Entries, indexEntry{}, indexEntry{})
	b := appendIndex(nil, &idx)
	r := &indexReader{cacheReader: cacheReader{s: unsafe.String(unsafe.SliceData(b), len(b))}}
	got, err := decodeIndex(r)
	if err != nil || r.off != len(b) {
		t.Fatalf("decode: %v at %d of %d", err, r.off, len(b))
	}
	if !reflect.DeepEqual(got, idx) {
		t.Errorf("read back\n%+v\nwritten\n%+v", got, idx)
	}
	// Cut anywhere, it is refused, never a panic.
	for i := range b {
		r := &indexReader{cacheReader: cacheReader{s: string(b[:i])}}
		if _, err := decodeIndex(r); err == nil && r.off == i {
			t.Fatalf("cut at %d of %d: read as whole", i, len(b))
		}
	}
}

func FuzzReportIndexDecode(f *testing.F) {
	idx := reportIndex{Version: indexVersion, Entries: make([]indexEntry, 1), Facts: []Facts{{ID: "INC-1", Windows: []ImpactEntry{{}}}}}
	f.Add(string(appendIndex(nil, &idx)))
	f.Fuzz(func(t *testing.T, s string) {
		r := &indexReader{cacheReader: cacheReader{s: s}}
		if got, err := decodeIndex(r); err == nil {
			_ = appendIndex(nil, &got)
		}
	})
}
