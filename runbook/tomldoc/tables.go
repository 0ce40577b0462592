package tomldoc

import (
	"fmt"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// This file holds TOML 1.0's rules for what may be defined where, which go-toml's
// parser leaves to its caller. A key is defined once; a table is defined once, by its
// header or by the dotted keys that go through it; an inline table or an array value
// is complete where it is written; a table created only on the way to a deeper header
// ([a] for [a.b.c]) may still get its own header, or keys through dotted keys, once.
// Breaking a rule is an error that names the key and where it was first defined:
// nothing is ever overwritten or dropped.

// tableKind is how a table came to be, which decides how it may be extended.
type tableKind uint8

const (
	implicitTable tableKind = iota // created on the way to a deeper header: [a] by [a.b]
	headerTable                    // defined by its header [a] (and the root)
	dottedTable                    // defined by dotted keys: a by a.b = 1
	arrayOfTables                  // [[a]]; tbl is its last table
)

// knode is a table that can still be extended: the root, a header's table, a table of
// dotted keys, or an array of tables (whose last table is the one in reach). A key
// of a table that has no knode is a value: a string, number, boolean, date-time, array
// or inline table, none of which can be extended.
type knode struct {
	kids map[string]*knode
	kind tableKind
	at   int32 // an implicit table's: the '[' of the header that created it
	tbl  map[string]any
}

func (n *knode) newTable(k string, kind tableKind) *knode {
	if n.kids == nil {
		n.kids = make(map[string]*knode, 4)
	}
	c := &knode{kind: kind, tbl: make(map[string]any)}
	n.kids[k] = c
	n.tbl[k] = c.tbl
	return c
}

func (p *parser) expression(n *unstable.Node) {
	switch n.Kind {
	case unstable.Table, unstable.ArrayTable:
		var kb [8]string
		key, off := p.keyParts(n.Key(), kb[:0])
		p.header(key, off, n.Kind == unstable.ArrayTable)
	case unstable.KeyValue:
		p.keyValue(n, p.table, p.tablePath, p.tableRec)
	}
}

// headerStart finds the '[' that opens the header whose key starts at off.
func (p *parser) headerStart(off int, array bool) int {
	i := off - 1
	for i > 0 && (p.src[i] == ' ' || p.src[i] == '\t') {
		i--
	}
	if array && i > 0 {
		i--
	}
	return max(i, 0)
}

// header makes [key] (or [[key]] when array) the table in scope; the key starts at
// off. It records the header's position: at the '[' for the table, and each table it
// goes through (the last of an array of tables) as passed through.
func (p *parser) header(key []string, off int, array bool) {
	at := p.headerStart(off, array)
	n := p.rootNode
	rec := int32(-1)
	for i, k := range key[:len(key)-1] {
		rec = p.record(rec, k, -1)
		c := n.kids[k]
		if c == nil {
			if _, ok := n.tbl[k]; ok {
				p.failKind(redefined, off, "cannot define %s: %s is already defined %s%s%s", headerString(key, array), keyString(key[:i+1]), p.what(n, k), p.first(rec), frozen(n, k))
			}
			c = n.newTable(k, implicitTable)
			c.at = int32(at)
		}
		if c.kind == arrayOfTables {
			rec = p.recordIndex(rec, len(n.tbl[k].([]map[string]any))-1, -1)
		}
		n = c
	}
	last := key[len(key)-1]
	rec = p.record(rec, last, at)
	c := n.kids[last]
	if array {
		if c == nil {
			if _, ok := n.tbl[last]; ok {
				p.failKind(redefined, off, "cannot add a table to %s with %s: %s is already defined %s%s%s", keyString(key), headerString(key, true), keyString(key), p.what(n, last), p.first(rec), frozen(n, last))
			}
			if n.kids == nil {
				n.kids = make(map[string]*knode, 4)
			}
			c = &knode{kind: arrayOfTables}
			n.kids[last] = c
			n.tbl[last] = make([]map[string]any, 0, 4)
		} else if c.kind != arrayOfTables {
			p.failKind(redefined, off, "cannot use %s: %s is already defined %s%s, not as an array of tables", headerString(key, true), keyString(key), p.what(n, last), p.first(rec))
		}
		list := n.tbl[last].([]map[string]any)
		size := 0
		if len(list) > 0 {
			size = len(list[len(list)-1]) // the tables of an array are alike
		}
		c.tbl = make(map[string]any, size)
		clear(c.kids) // the new table starts with none of the last one's tables
		n.tbl[last] = append(list, c.tbl)
		rec = p.recordIndex(rec, len(list), at)
	} else {
		switch {
		case c == nil:
			if _, ok := n.tbl[last]; ok {
				p.failKind(redefined, off, "cannot define %s: %s is already defined %s%s", headerString(key, false), keyString(key), p.what(n, last), p.first(rec))
			}
			c = n.newTable(last, headerTable)
		case c.kind == implicitTable:
			c.kind = headerTable
		case c.kind == arrayOfTables:
			p.failKind(redefined, off, "%s is an array of tables (%s%s): add a table to it with %s", keyString(key), headerString(key, true), p.first(rec), headerString(key, true))
		default:
			p.failKind(redefined, off, "table %s is defined twice: first %s%s", headerString(key, false), p.what(n, last), p.first(rec))
		}
	}
	p.table, p.tablePath, p.tableRec = c, append(p.tablePath[:0], key...), rec
}

// keyValue sets `key = value` in table n (path is its key path, for messages; rec
// its record). Dotted keys define the tables they go through.
func (p *parser) keyValue(kv *unstable.Node, n *knode, path []string, parentRec int32) {
	var kb [8]string
	key, off := p.keyParts(kv.Key(), kb[:0])
	rec := parentRec
	full := func(i int) string { return keyString(append(path[:len(path):len(path)], key[:i+1]...)) }
	for i, k := range key[:len(key)-1] {
		rec = p.record(rec, k, off)
		c := n.kids[k]
		switch {
		case c == nil:
			if _, ok := n.tbl[k]; ok {
				p.failKind(redefined, off, "cannot set %s: %s is already defined %s%s%s", full(len(key)-1), full(i), p.what(n, k), p.first(rec), frozen(n, k))
			}
			c = n.newTable(k, dottedTable)
		case c.kind == implicitTable:
			c.kind = dottedTable
		case c.kind == dottedTable:
		case c.kind == headerTable:
			p.failKind(redefined, off, "cannot set %s with a dotted key: table [%s] is defined by its header%s; set the key under that header", full(len(key)-1), full(i), p.first(rec))
		default:
			p.failKind(redefined, off, "cannot set %s with a dotted key: %s is an array of tables ([[%s]]%s)", full(len(key)-1), full(i), full(i), p.first(rec))
		}
		n = c
	}
	last := key[len(key)-1]
	rec = p.record(rec, last, off)
	if _, ok := n.tbl[last]; ok {
		p.failKind(redefined, off, "%s is defined twice: first %s%s", full(len(key)-1), p.what(n, last), p.first(rec))
	}
	n.tbl[last], _ = p.value(kv.Value(), path, key, rec, p.valueStart(kv))
}

// value converts the value node v; start is its offset in the input, and path then
// key its key, for messages. It records the position of every array element under
// rec, and returns the offset just past the value.
func (p *parser) value(v *unstable.Node, path, key []string, rec int32, start int) (val any, end int) {
	end = int(v.Raw.Offset + v.Raw.Length)
	switch v.Kind {
	case unstable.String:
		if len(v.Data) > 0 && !p.inSrc(v.Data) {
			p.checkEscapes(v.Raw)
		}
		return p.str(v.Data), end
	case unstable.Bool:
		return len(v.Data) == 4, end // "true" or "false": the parser checked
	case unstable.Integer:
		return p.integer(v), end
	case unstable.Float:
		return p.float(v), end
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		return p.datetime(v), end
	case unstable.Array:
		array := make([]any, 0, 2)
		cursor := start + 1
		for it := v.Children(); it.Next(); {
			e := it.Node()
			if e.Kind == unstable.Comment {
				continue
			}
			at := p.skipFiller(cursor)
			var val any
			val, cursor = p.value(e, path, key, p.recordIndex(rec, len(array), at), at)
			array = append(array, val)
		}
		return array, p.skipFiller(cursor) + 1
	case unstable.InlineTable:
		return p.inlineTable(v, append(path[:len(path):len(path)], key...), rec, start)
	}
	p.fail(int(v.Raw.Offset), "unexpected %s", v.Kind)
	return nil, 0
}

// inlineTable builds { ... } starting at start, its keys recorded under rec. Its
// dotted keys follow the rules of a table's; once built, nothing can be added to it.
// TOML 1.0 keeps it on one line, without a comma after the last key.
// It returns the table and the offset just past its '}'.
func (p *parser) inlineTable(v *unstable.Node, path []string, rec int32, start int) (map[string]any, int) {
	n := &knode{kind: dottedTable, tbl: make(map[string]any)}
	cursor := start + 1
	for it := v.Children(); it.Next(); {
		if kv := it.Node(); kv.Kind == unstable.KeyValue {
			p.oneLine(cursor, int(kv.Raw.Offset))
			p.keyValue(kv, n, path, rec)
			cursor = int(kv.Raw.Offset + kv.Raw.Length)
		}
	}
	end := p.skipFiller(cursor)
	p.oneLine(cursor, end)
	if i := strings.IndexByte(p.src[cursor:end], ','); i >= 0 {
		p.failKind(toml11, cursor+i, "a comma after the last key of an inline table is TOML 1.1; muster reads TOML 1.0: remove it")
	}
	return n.tbl, end + 1
}

// oneLine fails when the filler between an inline table's keys, from i to j, goes
// over a line (a newline or a comment).
func (p *parser) oneLine(i, j int) {
	if k := strings.IndexAny(p.src[i:j], "\n#"); k >= 0 {
		p.failKind(toml11, i+k, "an inline table must be on one line in TOML 1.0, which muster reads; use a [table] header for a longer table")
	}
}

// checkEscapes fails on the escapes TOML 1.1 added (\e and \xHH) in the basic string
// (or quoted key) written at r.
func (p *parser) checkEscapes(r unstable.Range) {
	raw := p.src[r.Offset : r.Offset+r.Length]
	if !strings.HasPrefix(raw, `"`) {
		return
	}
	for i := 0; i < len(raw)-1; i++ {
		if raw[i] != '\\' {
			continue
		}
		i++
		switch raw[i] {
		case 'e':
			p.failKind(toml11, int(r.Offset)+i-1, `\e is a TOML 1.1 escape; muster reads TOML 1.0: write \u001B`)
		case 'x':
			hex := raw[i+1 : min(i+3, len(raw))]
			p.failKind(toml11, int(r.Offset)+i-1, `\x%s is a TOML 1.1 escape; muster reads TOML 1.0: write \u00%s`, hex, strings.ToUpper(hex))
		}
	}
}

// first says where the path recorded at rec was first written, " at line 3, col 1",
// or "" when that is not before rec (a table only passed through by headers).
func (p *parser) first(rec int32) string {
	ps := &positions{src: p.src, recs: p.recs, extra: p.extra}
	off := ps.off[ps.canonical()[rec]]
	if off < 0 || off == p.recs[rec].off {
		return ""
	}
	return p.lineCol(off)
}

// lineCol writes an offset as " at line 3, col 1".
func (p *parser) lineCol(off int32) string {
	ps := &positions{src: p.src}
	ps.once.Do(ps.build)
	pos := ps.pos(off)
	return fmt.Sprintf(" at line %d, col %d", pos.Line, pos.Col)
}

// what says how key k of table n was defined, for a message: "as an integer", "by
// its header".
func (p *parser) what(n *knode, k string) string {
	if c := n.kids[k]; c != nil {
		switch c.kind {
		case headerTable:
			return "by its header"
		case dottedTable:
			return "as a table, by the dotted key"
		case implicitTable:
			return "as a table (the header" + p.lineCol(c.at) + " goes through it)"
		default:
			return "as an array of tables"
		}
	}
	switch v := n.tbl[k].(type) {
	case map[string]any:
		return "as an inline table"
	case []any:
		return "as an array"
	default:
		return "as " + tomlType(v)
	}
}

// frozen explains, for a key of n that is an inline table or an array value, why
// it cannot be extended.
func frozen(n *knode, k string) string {
	if n.kids[k] != nil {
		return ""
	}
	switch n.tbl[k].(type) {
	case map[string]any:
		return "; an inline table is complete where it is written"
	case []any:
		return "; an array is complete where it is written"
	}
	return ""
}

// headerString writes a header as it stands in the file: [a.b] or [[a.b]].
func headerString(key []string, array bool) string {
	if array {
		return "[[" + keyString(key) + "]]"
	}
	return "[" + keyString(key) + "]"
}
