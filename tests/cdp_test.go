package tests

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// browser is headless Chromium driven over the DevTools protocol (a minimal RFC 6455
// client, text frames only): the test asks the page itself whether a picture is
// painted instead of guessing with a delay.
type browser struct {
	proc *proc
	conn net.Conn
	rd   *bufio.Reader
	id   int
}

// openBrowser starts headless Chromium on pageURL and connects to the page's DevTools socket.
func openBrowser(t *testing.T, chromium, pageURL string) *browser {
	t.Helper()
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile")
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--window-size=1300,900", "--remote-debugging-port=0", pageURL)
	b := &browser{proc: startCmd(t, cmd)}
	var port string
	for deadline := time.Now().Add(readyWait); port == ""; time.Sleep(50 * time.Millisecond) {
		if data, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort")); err == nil {
			if f := strings.Fields(string(data)); len(f) == 2 {
				port = f[0]
			}
		}
		if !b.proc.running() || time.Now().After(deadline) {
			t.Fatalf("chromium did not open its DevTools port (exit %v):\n%s", b.proc.err, b.proc)
		}
	}
	var ws string
	for deadline := time.Now().Add(readyWait); ws == ""; time.Sleep(50 * time.Millisecond) {
		var targets []struct{ Type, URL, WebSocketDebuggerURL string }
		if resp, err := http.Get("http://127.0.0.1:" + port + "/json/list"); err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
		}
		for _, tg := range targets {
			if tg.Type == "page" && strings.HasPrefix(tg.URL, pageURL) {
				ws = tg.WebSocketDebuggerURL
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromium shows no page for %s:\n%s", pageURL, b.proc)
		}
	}
	if err := b.dial(ws); err != nil {
		t.Fatalf("devtools %s: %v", ws, err)
	}
	t.Cleanup(func() { b.conn.Close() })
	return b
}

// dial does the WebSocket opening handshake (RFC 6455 section 4.1).
func (b *browser) dial(ws string) error {
	u, err := url.Parse(ws)
	if err != nil {
		return err
	}
	if b.conn, err = net.DialTimeout("tcp", u.Host, 10*time.Second); err != nil {
		return err
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	_, _ = fmt.Fprintf(b.conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host, base64.StdEncoding.EncodeToString(key))
	b.rd = bufio.NewReaderSize(b.conn, 1<<16)
	resp, err := http.ReadResponse(b.rd, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close() // a 101 has no body: the connection goes on as WebSocket
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return fmt.Errorf("handshake: %s", resp.Status)
	}
	return nil
}

// writeText sends one masked text frame.
func (b *browser) writeText(p []byte) error {
	hdr := []byte{0x81}
	switch n := len(p); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = append(hdr, 0x80|126)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	mask := make([]byte, 4)
	_, _ = rand.Read(mask)
	body := make([]byte, len(p))
	for i := range p {
		body[i] = p[i] ^ mask[i%4]
	}
	_, err := b.conn.Write(append(append(hdr, mask...), body...))
	return err
}

// readMessage reads one whole (possibly fragmented) message.
func (b *browser) readMessage() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(b.rd, h[:]); err != nil {
			return nil, err
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var x [2]byte
			if _, err := io.ReadFull(b.rd, x[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(x[:]))
		case 127:
			var x [8]byte
			if _, err := io.ReadFull(b.rd, x[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(x[:])
		}
		if n > 256<<20 {
			return nil, fmt.Errorf("frame of %d bytes", n)
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(b.rd, p); err != nil {
			return nil, err
		}
		switch op := h[0] & 0x0f; op {
		case 0x8:
			return nil, errors.New("devtools closed the connection")
		case 0x9, 0xa: // ping, pong: nothing to answer for a short-lived client
			continue
		}
		msg = append(msg, p...)
		if h[0]&0x80 != 0 {
			return msg, nil
		}
	}
}

// call sends a DevTools command and decodes its result into out (events are skipped).
func (b *browser) call(t *testing.T, method string, params, out any) {
	t.Helper()
	b.id++
	req, _ := json.Marshal(map[string]any{"id": b.id, "method": method, "params": params})
	_ = b.conn.SetDeadline(time.Now().Add(60 * time.Second))
	if err := b.writeText(req); err != nil {
		t.Fatalf("devtools %s: %v", method, err)
	}
	for {
		msg, err := b.readMessage()
		if err != nil {
			t.Fatalf("devtools %s: %v", method, err)
		}
		var r struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct{ Message string }
		}
		if json.Unmarshal(msg, &r) != nil || r.ID != b.id {
			continue
		}
		if r.Error != nil {
			t.Fatalf("devtools %s: %s", method, r.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(r.Result, out); err != nil {
				t.Fatalf("devtools %s result: %v", method, err)
			}
		}
		return
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value into out.
func (b *browser) eval(t *testing.T, expr string, out any) {
	t.Helper()
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct{ Text string } `json:"exceptionDetails"`
	}
	b.call(t, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &r)
	if r.ExceptionDetails != nil {
		t.Fatalf("page: %s: %s", expr, r.ExceptionDetails.Text)
	}
	if err := json.Unmarshal(r.Result.Value, out); err != nil {
		t.Fatalf("page: %s = %s: %v", expr, r.Result.Value, err)
	}
}

// waitTrue polls a boolean page expression until it holds (fails after readyWait).
func (b *browser) waitTrue(t *testing.T, expr string) {
	t.Helper()
	for deadline := time.Now().Add(readyWait); ; time.Sleep(100 * time.Millisecond) {
		var ok bool
		b.eval(t, expr, &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("page never had %s", expr)
		}
	}
}

// resize sets the page's viewport (CSS pixels), e.g. tall enough for a whole page.
func (b *browser) resize(t *testing.T, w, h int) {
	t.Helper()
	b.call(t, "Emulation.setDeviceMetricsOverride", map[string]any{"width": w, "height": h, "deviceScaleFactor": 1, "mobile": false}, nil)
}

// screenshot captures the viewport as it is painted now.
func (b *browser) screenshot(t *testing.T) image.Image {
	t.Helper()
	var r struct{ Data string }
	b.call(t, "Page.captureScreenshot", map[string]any{"format": "png"}, &r)
	raw, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return img
}
