package diffusion

import (
	"container/list"
	"context"
	"log/slog"
	"sync"
)

// EncodeFunc turns a prompt into its embedding (Pipeline.EncodePrompt).
type EncodeFunc func(prompt string) (*Embedding, error)

// PromptCache computes prompt embeddings in its own goroutine and keeps the most
// recently used ones. Get never blocks, so the frame path keeps running on the old
// embedding while a new prompt is being encoded.
type PromptCache struct {
	encode EncodeFunc
	size   int
	log    *slog.Logger

	mu      sync.Mutex
	entries map[string]*list.Element // value: *cacheEntry
	lru     *list.List
	queued  map[string]bool
	waiters map[string][]chan struct{}
	closed  bool

	// in
	req chan string
	// out
	done chan struct{}
}

type cacheEntry struct {
	prompt string
	emb    *Embedding
	err    error
}

// NewPromptCache starts the encoder goroutine; size ≤ 0 means 32 entries.
func NewPromptCache(encode EncodeFunc, size int, log *slog.Logger) *PromptCache {
	if size <= 0 {
		size = 32
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &PromptCache{
		encode: encode, size: size, log: log,
		entries: map[string]*list.Element{}, lru: list.New(),
		queued: map[string]bool{}, waiters: map[string][]chan struct{}{},
		req: make(chan string, 16), done: make(chan struct{}),
	}
	go c.run()
	return c
}

// Get returns the cached embedding of prompt, or ok=false after queueing it for the
// encoder (at most once). It never waits for the encoder.
func (c *PromptCache) Get(prompt string) (e *Embedding, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, hit := c.entries[prompt]; hit {
		c.lru.MoveToFront(el)
		ce := el.Value.(*cacheEntry)
		return ce.emb, ce.err == nil
	}
	c.enqueueLocked(prompt)
	return nil, false
}

func (c *PromptCache) enqueueLocked(prompt string) {
	if c.closed || c.queued[prompt] {
		return
	}
	select {
	case c.req <- prompt:
		c.queued[prompt] = true
	default: // encoder backlog full: asked again on a later frame
	}
}

// Wait returns prompt's embedding, encoding it in the caller's goroutine when it is
// neither cached nor queued (startup and one-shot runs, never the frame path).
func (c *PromptCache) Wait(ctx context.Context, prompt string) (*Embedding, error) {
	for {
		c.mu.Lock()
		if el, hit := c.entries[prompt]; hit {
			ce := el.Value.(*cacheEntry)
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			return ce.emb, ce.err
		}
		if c.closed {
			c.mu.Unlock()
			return nil, ErrClosed
		}
		if !c.queued[prompt] {
			c.mu.Unlock()
			emb, err := c.encode(prompt)
			c.store(prompt, emb, err)
			return emb, err
		}
		ch := make(chan struct{})
		c.waiters[prompt] = append(c.waiters[prompt], ch)
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *PromptCache) run() {
	defer close(c.done)
	for prompt := range c.req {
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if closed { // drain without encoding; wake any waiters
			c.store(prompt, nil, ErrClosed)
			continue
		}
		emb, err := c.encode(prompt)
		if err != nil {
			c.log.Warn("prompt encoding failed", "prompt", prompt, "error", err)
		}
		c.store(prompt, emb, err)
	}
}

// store caches a result, evicts the least recently used entries and wakes waiters.
func (c *PromptCache) store(prompt string, emb *Embedding, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.queued, prompt)
	if el, hit := c.entries[prompt]; hit {
		c.lru.Remove(el)
	}
	c.entries[prompt] = c.lru.PushFront(&cacheEntry{prompt: prompt, emb: emb, err: err})
	for c.lru.Len() > c.size {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.entries, old.Value.(*cacheEntry).prompt)
	}
	for _, ch := range c.waiters[prompt] {
		close(ch)
	}
	delete(c.waiters, prompt)
}

// Close stops the encoder goroutine after the prompt it is encoding and waits for it.
func (c *PromptCache) Close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.req)
	}
	c.mu.Unlock()
	<-c.done
}
