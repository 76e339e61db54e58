package signin

import "errors"

// Session state changes. Client.storeMu serialises "replace the session
// and write the store" so that the store never ends up holding an older
// refresh token than memory; Client.mu guards the fields themselves.

// snapshot returns the current session (nil when signed out) and its
// generation.
func (c *Client) snapshot() (*session, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess, c.gen
}

// installNew makes s the session whatever came before (a fresh sign-in)
// and saves its refresh token.
func (c *Client) installNew(s *session) {
	c.storeMu.Lock()
	defer c.storeMu.Unlock()
	c.mu.Lock()
	c.sess = s
	c.gen++
	c.mu.Unlock()
	c.saveRefreshToken(s.refresh)
}

// installIfCurrent makes s the session only if nothing replaced or cleared
// the session since generation gen was read; otherwise it returns whatever
// is current now (ErrNotSignedIn when that is nothing).
func (c *Client) installIfCurrent(gen uint64, s *session) (*session, error) {
	c.storeMu.Lock()
	defer c.storeMu.Unlock()
	c.mu.Lock()
	if c.gen != gen {
		cur := c.sess
		c.mu.Unlock()
		if cur == nil {
			return nil, ErrNotSignedIn
		}
		return cur, nil
	}
	var prev string
	if c.sess != nil {
		prev = c.sess.refresh
	}
	c.sess = s
	c.gen++
	c.mu.Unlock()
	if s.refresh != prev {
		c.saveRefreshToken(s.refresh)
	}
	return s, nil
}

// dropSession forgets the session of generation gen (if still current) and
// the stored refresh token: the provider refused it.
func (c *Client) dropSession(gen uint64) {
	c.storeMu.Lock()
	defer c.storeMu.Unlock()
	c.mu.Lock()
	current := c.gen == gen
	if current {
		c.sess = nil
		c.gen++
	}
	c.mu.Unlock()
	if current {
		c.deleteStored()
	}
}

// saveRefreshToken writes (or, for "", deletes) the stored refresh token.
// A failure is logged, not returned: the sign-in still works for this run.
func (c *Client) saveRefreshToken(refresh string) {
	if refresh == "" {
		c.deleteStored()
		return
	}
	if err := c.cfg.Store.Save(c.storeKey, refresh); err != nil {
		c.log.Warn("could not save the sign-in; it will last only until Hoist quits", "err", err)
	}
}

// deleteStored removes the stored refresh token, logging failures.
func (c *Client) deleteStored() {
	if err := c.cfg.Store.Delete(c.storeKey); err != nil && !errors.Is(err, ErrNotFound) {
		c.log.Warn("could not forget the saved sign-in", "err", err)
	}
}
