package models

import (
	"strings"
	"testing"
)

// A store can serve another platform's entries: `models fetch --platform windows/amd64`
// provisions a Windows cache from Linux (wine cannot run npm).
func TestOpenPlatform(t *testing.T) {
	st, err := Open(Options{CacheDir: t.TempDir(), Platform: "windows/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := st.Entry("onnxruntime")
	if err != nil {
		t.Fatal(err)
	}
	if e.Main != "onnxruntime.dll" || e.Platform != "windows/amd64" || len(e.Files) != 2 {
		t.Fatalf("windows onnxruntime entry: %+v", e)
	}
	if _, err := st.Entry(CUDAProviders); err == nil {
		t.Fatal("the linux-only CUDA providers are listed for windows")
	}
	for _, bad := range []string{"windows", "/amd64", "windows/"} {
		if _, err := Open(Options{CacheDir: t.TempDir(), Platform: bad}); err == nil || !strings.Contains(err.Error(), "want GOOS/GOARCH") {
			t.Errorf("platform %q: %v", bad, err)
		}
	}
}

// Without npm the error says how to provision the cache elsewhere.
func TestFetchWithoutNPM(t *testing.T) {
	st, err := Open(Options{CacheDir: t.TempDir(), NPM: "no-such-npm-here", Platform: "windows/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Path(t.Context(), "onnxruntime")
	if err == nil || !strings.Contains(err.Error(), "models fetch --platform windows/amd64 --cache-dir DIR onnxruntime") {
		t.Fatalf("error %v lacks the provisioning hint", err)
	}
}
