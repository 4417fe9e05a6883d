package models

import (
	"context"
	"errors"
	"path/filepath"
)

// hubAttempts is how many times one file's download is tried (each resuming the last).
const hubAttempts = 3

// fetchHF downloads each missing or bad file of e from the Hub (resuming partial
// downloads), checking its sha256 against the manifest and the Hub's X-Linked-Etag.
func (s *Store) fetchHF(ctx context.Context, e Entry) error {
	var errs []error
	for _, f := range e.Files {
		dst := filepath.Join(s.EntryDir(e), filepath.FromSlash(f.Name))
		if checkFile(dst, f.SHA256, f.Size) == nil {
			continue
		}
		var err error
		for attempt := 1; attempt <= hubAttempts; attempt++ { // a dropped connection resumes where it stopped
			m := s.newMeter("downloading "+e.Source.Repo+"/"+f.From, f.Size)
			var last int64
			err = s.hub.Download(ctx, e.Source.Repo, e.Source.Revision, f.From, dst, f.SHA256, f.Size, func(done, _ int64) {
				m.add(done - last)
				last = done
			})
			m.finish()
			if err == nil || !errors.Is(err, ErrFetch) || ctx.Err() != nil {
				break
			}
			s.log.Warn("download interrupted, resuming", "file", f.From, "attempt", attempt, "err", err)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
