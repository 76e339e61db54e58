package org

import (
	"context"
	"errors"
	"log/slog"

	"hoist/app/config"
)

// Save saves o as the customer's organisation at path (after they
// confirmed it, or for a descriptor a policy or branding fixes).
func Save(path string, o *Organisation) error {
	return config.SaveConnection(path, o.Connection())
}

// Refresh re-fetches the descriptor a setup came from, with its ETag, and
// saves a changed, valid one over the saved copy: it takes effect at the
// next start (the running Hoist keeps what it started with). An
// unreachable or invalid descriptor keeps the saved copy; the cause is
// logged. It reports whether a new descriptor was saved. Call it in the
// background: it may take up to twice FetchTimeout.
func (f *Fetcher) Refresh(ctx context.Context, s *config.Setup) (bool, error) {
	log := f.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if s == nil || s.DescriptorURL == "" || s.Config == nil {
		return false, nil
	}
	o, err := f.Fetch(ctx, s.DescriptorURL, s.ETag)
	switch {
	case errors.Is(err, ErrNotModified):
		log.Info("organisation descriptor unchanged", "url", s.DescriptorURL)
		return false, nil
	case err != nil:
		log.Warn("re-fetch organisation descriptor; keeping the saved copy", "url", s.DescriptorURL, "error", err)
		return false, err
	}
	conn, _, lerr := config.LoadConnection(s.ConnectionPath)
	if lerr == nil && conn != nil && conn.URL == o.URL && SameDocument(conn.Descriptor, o.Raw) {
		if conn.ETag != o.ETag {
			conn.ETag = o.ETag
			_ = config.SaveConnection(s.ConnectionPath, conn)
		}
		log.Info("organisation descriptor unchanged", "url", s.DescriptorURL)
		return false, nil
	}
	if s.Domain != "" && o.Domain != s.Domain {
		// Cannot happen for the same URL; never switch what was confirmed.
		log.Warn("re-fetched descriptor is for another domain; keeping the saved copy", "domain", o.Domain, "confirmed", s.Domain)
		return false, nil
	}
	if err := Save(s.ConnectionPath, o); err != nil {
		log.Error("save the re-fetched organisation descriptor", "error", err)
		return false, err
	}
	log.Info("organisation descriptor changed; the new settings apply at the next start", "url", s.DescriptorURL, "etag", o.ETag)
	return true, nil
}
