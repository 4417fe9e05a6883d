package preview

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// DefaultAllowedHosts are the host names the server answers to besides IP literals:
// loopback names only, so a page on another site cannot read frames and prompts by
// pointing its own name at 127.0.0.1 (DNS rebinding).
var DefaultAllowedHosts = []string{"localhost", "localhost.localdomain"}

// allowedHost reports whether a request's Host header names this server: an IP
// literal (what rebinding cannot forge), or one of the allowed names (case-insensitive).
func allowedHost(hostHeader string, allowed []string) bool {
	host := hostHeader
	if h, _, err := net.SplitHostPort(hostHeader); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	host = strings.TrimSuffix(host, ".")
	for _, a := range allowed {
		if a == "*" || strings.EqualFold(host, a) {
			return true
		}
	}
	return false
}

// guard refuses requests for other hosts (403) and paths that are not valid UTF-8
// (404: no such file can exist; the file server would answer 500).
func guard(h http.Handler, allowed []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowedHost(r.Host, allowed) {
			http.Error(w, "host not allowed (see --http-allow-host)", http.StatusForbidden)
			return
		}
		if !utf8.ValidString(r.URL.Path) {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
