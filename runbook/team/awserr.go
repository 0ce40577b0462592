package team

import "github.com/muster-ir/muster/internal/awserr"

// The package's short names for internal/awserr, which backup shares.
func code(err error) string  { return awserr.Code(err) }
func status(err error) int   { return awserr.Status(err) }
func denied(err error) bool  { return awserr.Denied(err) }
func isTaken(err error) bool { return awserr.Taken(err) }
func cause(err error) string { return awserr.Cause(err) }
