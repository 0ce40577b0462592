// Package cutproxy is a TCP proxy for tests: in front of moto (or any server) on
// 127.0.0.1, cut to play a store that goes away mid-command and restored to bring it
// back. Test support only; muster's commands never import it.
package cutproxy

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Proxy is a TCP proxy on 127.0.0.1 in front of a server (moto) that a test can cut (the port
// refuses connections and open ones are dropped) and restore, to play a store that goes
// away and comes back.
type Proxy struct {
	t      testing.TB
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
	// stalled holds every byte in both directions until Resume: a store that takes
	// the connection and then does not answer.
	stalled bool
	resumed *sync.Cond
}

// New starts a proxy to target (host:port); it is cut when the test ends.
func New(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{t: t, addr: ln.Addr().String(), target: target, conns: map[net.Conn]bool{}}
	p.resumed = sync.NewCond(&p.mu)
	p.serve(ln)
	t.Cleanup(p.Cut)
	return p
}

// URL is the proxy's address as an http:// endpoint.
func (p *Proxy) URL() string { return "http://" + p.addr }

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

func (p *Proxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { p.copy(up, c); done <- struct{}{} }()
	go func() { p.copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// copy is io.Copy that holds what it read while the proxy is stalled.
func (p *Proxy) copy(dst io.Writer, src io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.stalled {
				p.resumed.Wait()
			}
			p.mu.Unlock()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Stall keeps the port open but holds every byte until Resume: requests are sent
// and never answered, the way a store behind a broken network path behaves.
func (p *Proxy) Stall() {
	p.mu.Lock()
	p.stalled = true
	p.mu.Unlock()
}

// Resume passes on what a Stall held, and everything after it.
func (p *Proxy) Resume() {
	p.mu.Lock()
	p.stalled = false
	p.resumed.Broadcast()
	p.mu.Unlock()
}

// Cut closes the port and every open connection.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = false // held bytes go nowhere: their connections are closed below
	p.resumed.Broadcast()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

// Restore listens again on the same address.
func (p *Proxy) Restore() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(ln)
}
