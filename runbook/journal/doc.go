// Package journal is muster's evidence log: an append-only, hash-chained, fsync'd file
// of events per incident, with a content-addressed store for attached files. It knows
// nothing of runbooks or incidents: an event is an actor, a type and a JSON object.
//
// # Files
//
// An incident directory (0700; files 0600) holds:
//
//	journal.jsonl                 the events, one JSON line each
//	journal.head                  seq and hash of the last line (detects lines cut from the end)
//	journal.lock                  the writer's flock, with the holder's pid, actor, host and start time
//	attachments/sha256/<hex>      attached files, named by their SHA-256
//	journal.torn-<seq>-<unix>.bin bytes of a torn last line, kept by Open
//
// Other files (the incident layer's frozen runbook copy) are left alone and exported.
//
// # Line format (schema 1)
//
// Every line is one JSON object with its keys in this order and no spaces:
//
//	{"prev":"<64 hex>","hash":"<64 hex>","seq":N,"schema":1,"time":"2026-11-23T11:03:04.123456789Z",
//	 "tz":"+01:00","actor":"alice@laptop","type":"note","data":{...}}\n
//
// prev sits at bytes 9..73 and hash at bytes 83..147 of every line. hash is the
// lowercase hex SHA-256 of the line with those 64 hash bytes left out (bytes 0..83 and
// 147..end, newline included); prev is the hash of the line before (64 zeros for the
// first). So `sed -n 5p journal.jsonl | cut -c1-83,148- | sha256sum` prints line 5's
// hash. seq counts from 1 and equals the line number. time is UTC with exactly nine
// fraction digits; tz is the writer's zone offset then. actor and type are JSON
// strings escaping only " and \ (no control characters; type is letters, digits and
// . _ : -); data is a compact JSON object. A line is at most MaxLineSize bytes.
// Because each line carries its own hash, a changed line is caught at that line, and
// Verify checks the chain with byte compares at fixed offsets and one SHA-256 per line,
// without decoding JSON. journal-line.schema.json describes a line for editors.
//
// # Writing
//
// Create makes an incident directory; Open reopens one. Both take an exclusive
// advisory lock (flock) without waiting: a second writer gets a *LockedError naming
// the holder. Append returns only after the line is fsync'd (and, for a new file, its
// directory entry). A failed append leaves nothing behind: the journal is cut back to
// its last good line before the error returns, and appends are refused until that
// succeeds, so a partial line is never followed by a good one. Open finds a torn last
// line (a crash mid-write), copies its bytes to a side file, cuts it off and appends a
// TypeRecovered event naming the file, its size and SHA-256. Attach streams a file into
// the store and appends a TypeAttached event; symlinks are recorded, not followed.
//
// # Reading
//
// Readers never lock and never block the writer. ReadAll returns the events (it checks
// each line's hash and the chain, and leaves out an unterminated last line). Scan
// checks the lines the same way but hands each event to a function as it reads, through
// one small buffer, for a reader that folds the events rather than keeps them; the
// function's decode of the data is the check that it is JSON. Verify
// checks everything and reports every problem with its line and seq: syntax, seq gaps
// and reordering, broken prev links, changed lines, non-UTC times, lines cut from the
// end, missing or changed attachments and side files; it notes recovered torn writes.
// It parses and hashes chunks of lines on all CPUs. Export copies an incident for
// hand-over with a SHA256SUMS file for `sha256sum -c`.
//
// # API
//
//	j, err := journal.Create(dir, journal.WithActor("alice@laptop"))  // or Open(dir)
//	defer j.Close()
//	e, err := j.Append("alice@laptop", "note", map[string]string{"text": "..."})
//	e, a, err := j.Attach("alice@laptop", "/var/log/auth.log", map[string]any{"description": "..."})
//	events, err := journal.ReadAll(dir)          // or j.Events()
//	err = j.Scan(func(e journal.Event) error { ... })  // e.Data valid during the call
//	report, err := journal.Verify(dir)           // report.OK(), report.First(), report.Summary()
//	err = journal.Export(dir, outDir, map[string][]byte{"report.md": md})
//
// Options: WithActor (the lock holder's name), WithClock (stamps events; its zone is
// the recorded tz), WithFile (wraps the file for fault injection). Errors: a
// *LockedError from Create or Open names the holder; a *CorruptError from ReadAll
// names the line; Append's errors say nothing was saved. The journal's own event
// types are TypeAttached (data: Attachment, see Event.Attachment) and TypeRecovered
// (data: Recovery, see Event.Recovery); every other type belongs to the caller.
package journal
