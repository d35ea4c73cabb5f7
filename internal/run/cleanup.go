package run

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// cleanups is a stack of undo actions, registered the moment something is
// created, run in reverse. They run on a context detached from the run's (so
// Ctrl-C, which cancels the run, still cleans up) with their own deadline.
type cleanups struct {
	mu    sync.Mutex
	items []cleanupItem
}

type cleanupItem struct {
	what string
	fn   func(context.Context) error
}

func (c *cleanups) add(what string, fn func(context.Context) error) {
	c.mu.Lock()
	c.items = append(c.items, cleanupItem{what, fn})
	c.mu.Unlock()
}

// run undoes everything, newest first, and joins the errors (naming each).
func (c *cleanups) run(parent context.Context, timeout time.Duration) error {
	c.mu.Lock()
	items := c.items
	c.items = nil
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), timeout)
	defer cancel()
	var errs []error
	for i := len(items) - 1; i >= 0; i-- {
		if err := items[i].fn(ctx); err != nil {
			errs = append(errs, fmt.Errorf("cleanup %s: %w", items[i].what, err))
		}
	}
	return errors.Join(errs...)
}
