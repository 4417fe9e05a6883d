package models

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEmbeddedManifest(t *testing.T) {
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	linux := map[string]Entry{}
	for _, e := range m.ForPlatform("linux", "amd64") {
		linux[e.Name] = e
	}
	for _, name := range []string{"onnxruntime", "movenet-lightning-tfjs", "movenet-thunder-tfjs", "movenet-multipose-tfjs",
		"movenet-lightning", "movenet-thunder", "movenet-multipose"} {
		if _, ok := linux[name]; !ok {
			t.Errorf("manifest lacks %s for linux/amd64", name)
		}
	}
	ort := linux["onnxruntime"]
	if ort.Files[0].SHA256 != "89688f5cf51c7e31befbb7b9101bc027799009b18d1baa9a5b1146a72e69538d" ||
		ort.Source.SHA256 != "cfdfb45ec4044b1fdca43e5d2e180fb6817e649ff8ad1e0dfc90e18e51b67037" {
		t.Errorf("onnxruntime hashes changed: %+v", ort)
	}
	if _, ok := linux[CUDAProviders]; !ok {
		t.Errorf("manifest lacks %s for linux/amd64", CUDAProviders)
	}
	if got := len(m.ForPlatform("windows", "amd64")); got != len(linux)-1 { // the CUDA providers are linux/amd64 only

		t.Errorf("windows has %d entries, linux %d", got, len(linux))
	}
}

func TestParseManifestErrors(t *testing.T) {
	const sha = "0000000000000000000000000000000000000000000000000000000000000000"
	entry := func(s string) string { return `{"entries":[` + s + `]}` }
	tests := []struct {
		name, json, want string
	}{
		{"not json", `{`, "bad manifest: unexpected EOF"},
		{"unknown key", `{"entries":[],"extra":1}`, `bad manifest: json: unknown field "extra"`},
		{"bad name", entry(`{"name":"A b"}`), `bad manifest: entry 0: invalid name "A b"`},
		{"bad kind", entry(`{"name":"a","kind":"x"}`), `bad manifest: entry a: unknown kind "x"`},
		{"no licence", entry(`{"name":"a","kind":"pose","version":"1"}`), "bad manifest: entry a: version and license are required"},
		{"bad source", entry(`{"name":"a","kind":"pose","version":"1","license":"MIT","source":{"type":"ftp"}}`),
			`bad manifest: entry a: unknown source type "ftp"`},
		{"npm without sha", entry(`{"name":"a","kind":"pose","version":"1","license":"MIT","source":{"type":"npm","package":"p","version":"1"}}`),
			"bad manifest: entry a: npm source needs package, version and a sha256 of the tarball"},
		{"escaping file", entry(`{"name":"a","kind":"pose","version":"1","license":"MIT","source":{"type":"local","path":"/x"},
			"files":[{"name":"../x","sha256":"` + sha + `","size":1}],"main":"../x"}`), `bad manifest: entry a: bad or duplicate file name "../x"`},
		{"no hash", entry(`{"name":"a","kind":"pose","version":"1","license":"MIT","source":{"type":"local","path":"/x"},
			"files":[{"name":"m.onnx","size":1}],"main":"m.onnx"}`), "bad manifest: entry a: file m.onnx needs a lowercase hex sha256 and a size"},
		{"http url", entry(`{"name":"a","kind":"pose","version":"1","license":"MIT","source":{"type":"url"},
			"files":[{"name":"m.onnx","from":"http://x/m","sha256":"` + sha + `","size":1}],"main":"m.onnx"}`),
			"bad manifest: entry a: file m.onnx: url source needs an https URL in from"},
		{"main missing", entry(`{"name":"a","kind":"pose","version":"1","license":"MIT","source":{"type":"local","path":"/x"},
			"files":[{"name":"m.onnx","sha256":"` + sha + `","size":1}],"main":"n.onnx"}`), `bad manifest: entry a: main file "n.onnx" is not among the files`},
		{"derived from nothing", entry(`{"name":"a","kind":"pose","version":"1","license":"MIT","source":{"type":"derived","from":"b","converter":"tfjs"},
			"files":[{"name":"m.onnx"}],"main":"m.onnx"}`), `bad manifest: entry a: derived from unknown entry "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tt.json))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestParseSidecarErrors(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"empty", ``, "bad sidecar: EOF"},
		{"unknown", `{"x":1}`, `bad sidecar: json: unknown field "x"`},
		{"no hash", `{"file":"model.onnx","size":3,"converter_version":"1"}`, "bad sidecar: needs file, sha256, size and converter_version"},
		{"bad check", `{"file":"model.onnx","sha256":"` + strings.Repeat("0", 64) + `","size":3,"converter_version":"1","check":"x"}`,
			"bad sidecar: check field does not match its content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseSidecar([]byte(tt.json)); err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
		})
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add(embedded)
	f.Add([]byte(`{"entries":[{"name":"a","kind":"pose","version":"1","license":"MIT","source":{"type":"derived","from":"a","converter":"tfjs"},"files":[{"name":"m"}],"main":"m"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		for _, e := range m.Entries {
			for _, fl := range e.Files {
				if !cleanRel(fl.Name) || strings.HasPrefix(fl.Name, "/") {
					t.Fatalf("accepted unsafe file name %q", fl.Name)
				}
			}
		}
	})
}

func FuzzParseSidecar(f *testing.F) {
	sc := Sidecar{File: "model.onnx", SHA256: strings.Repeat("0", 64), Size: 3, Converter: "tfjs", ConverterVersion: "tfjs-1", Source: "a@1", Created: "now"}
	sc.Check = sc.checksum()
	good, _ := json.Marshal(sc)
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseSidecar(data)
		if err == nil && (sc.Size <= 0 || !cleanRel(sc.File)) {
			t.Fatalf("accepted bad sidecar %+v", sc)
		}
	})
}
