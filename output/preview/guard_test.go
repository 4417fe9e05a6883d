package preview

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestGuard(t *testing.T) {
	h := guard(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }),
		append(DefaultAllowedHosts, "studio.lan"))
	for _, tc := range []struct {
		host, path string
		want       int
	}{
		{"127.0.0.1:8080", "/", http.StatusTeapot},
		{"[::1]:8080", "/", http.StatusTeapot},
		{"192.168.1.20:8080", "/", http.StatusTeapot},
		{"localhost:8080", "/", http.StatusTeapot},
		{"LOCALHOST.", "/", http.StatusTeapot},
		{"studio.lan:8080", "/", http.StatusTeapot},
		{"rebind.attacker.example:8080", "/", http.StatusForbidden},
		{"localhost.attacker.example", "/", http.StatusForbidden},
		{"", "/", http.StatusForbidden},
		{"127.0.0.1:8080", "/\xff", http.StatusNotFound},
	} {
		r := httptest.NewRequest(http.MethodGet, "http://x/", nil)
		r.Host, r.URL.Path = tc.host, tc.path
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != tc.want {
			t.Errorf("Host %q path %q: %d, want %d", tc.host, tc.path, rec.Code, tc.want)
		}
	}
}
