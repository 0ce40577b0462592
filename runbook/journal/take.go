package journal

// TakeInto is Take for the journal directory dir without opening it for writing: the
// file goes into dir's content-addressed attachment store, which needs no lock (each
// blob is written to a temporary file, fsync'd and renamed into place). A team
// incident's screen queues an attachment with it while a share round holds the lock.
func TakeInto(dir, path string, meta map[string]any) (Attachment, error) {
	return (&Journal{dir: dir}).Take(path, meta)
}
