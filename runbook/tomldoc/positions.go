package tomldoc

import (
	"sort"
	"sync"
	"unsafe"
)

// rec is one place where the parse saw a key, table header or array element written:
// a step below its parent record (-1: the root), by key or by index. A record with
// off -1 only leads through to deeper ones (the "phases" of a [phases.contain]
// header): At and Has do not count it as written.
//
// Records are a flat slice the parse appends to, without pointers for the garbage
// collector to follow (a key is a range of the source, or an index into extra for a
// key written with escapes), so a file nobody asks positions of costs one append per
// key. The first call of At or Has builds the index (positions.build).
type rec struct {
	parent int32
	idx    int32 // the index into an array; -1 for a key
	off    int32 // byte offset in the source; -1 when not written here
	koff   int32 // the key: src[koff:koff+klen], or extra[-klen-1] when klen < 0
	klen   int32
}

func (p *parser) record(parent int32, key string, off int) int32 {
	r := rec{parent: parent, idx: -1, off: int32(off)}
	start := uintptr(unsafe.Pointer(unsafe.StringData(p.src)))
	at := uintptr(unsafe.Pointer(unsafe.StringData(key)))
	if len(key) > 0 && at >= start && at+uintptr(len(key)) <= start+uintptr(len(p.src)) {
		r.koff, r.klen = int32(at-start), int32(len(key))
	} else if len(key) > 0 {
		p.extra = append(p.extra, key)
		r.klen = -int32(len(p.extra))
	}
	p.recs = append(p.recs, r)
	return int32(len(p.recs) - 1)
}

func (p *parser) recordIndex(parent int32, idx, off int) int32 {
	p.recs = append(p.recs, rec{parent: parent, idx: int32(idx), off: int32(off)})
	return int32(len(p.recs) - 1)
}

// edge is a step of the position tree: from node parent by a key or an index.
type edge struct {
	parent int32
	idx    int32
	key    string
}

// positions is the index of a document's records: a tree of paths, each node with
// the offset where it was first written (-1 when it never was itself), and the
// offsets of line starts for turning an offset into a line and column.
type positions struct {
	once  sync.Once
	src   string
	recs  []rec
	extra []string
	nodes map[edge]int32
	off   []int32
	lines []int32 // offset of the start of every line after the first
}

func (ps *positions) build() {
	ps.canonical()
	ps.recs, ps.extra = nil, nil
	for i := 0; i < len(ps.src); i++ {
		if ps.src[i] == '\n' {
			ps.lines = append(ps.lines, int32(i+1))
		}
	}
}

// canonical builds the tree of paths from the records and returns the node of each
// record.
func (ps *positions) canonical() []int32 {
	ps.nodes = make(map[edge]int32, len(ps.recs))
	canon := make([]int32, len(ps.recs))
	for i, r := range ps.recs {
		parent := int32(-1)
		if r.parent >= 0 {
			parent = canon[r.parent]
		}
		s := edge{parent: parent, idx: r.idx}
		switch {
		case r.idx >= 0:
		case r.klen >= 0:
			s.key = ps.src[r.koff : r.koff+r.klen]
		default:
			s.key = ps.extra[-r.klen-1]
		}
		id, ok := ps.nodes[s]
		if !ok {
			id = int32(len(ps.off))
			ps.nodes[s] = id
			ps.off = append(ps.off, r.off)
		} else if ps.off[id] < 0 {
			ps.off[id] = r.off // the first place it is written, in file order
		}
		canon[i] = id
	}
	return canon
}

// lookup walks path and returns the offset of the deepest node on it that was
// written, how many elements deep that node is (0: none), and whether the whole path
// exists as a node.
func (ps *positions) lookup(path []any) (off int32, depth int, whole bool) {
	ps.once.Do(ps.build)
	id := int32(-1)
	off = -1
	for n, e := range path {
		s := edge{parent: id, idx: -1}
		switch e := e.(type) {
		case string:
			s.key = e
		case int:
			if e < 0 || e > 1<<31-1 {
				return off, depth, false
			}
			s.idx = int32(e)
		default:
			return off, depth, false
		}
		next, ok := ps.nodes[s]
		if !ok {
			return off, depth, false
		}
		id = next
		if ps.off[id] >= 0 {
			off, depth = ps.off[id], n+1
		}
	}
	return off, depth, len(path) > 0 && depth == len(path)
}

// pos turns a byte offset into a line and a column counted in characters.
func (ps *positions) pos(off int32) Pos {
	line := sort.Search(len(ps.lines), func(i int) bool { return ps.lines[i] > off })
	start := int32(0)
	if line > 0 {
		start = ps.lines[line-1]
	}
	col := 1
	for i := start; i < off && int(i) < len(ps.src); i++ {
		if ps.src[i]&0xC0 != 0x80 {
			col++
		}
	}
	return Pos{Line: line + 1, Col: col}
}
