package mapping

import (
	"path/filepath"
	"testing"
)

// TestShippedFiles loads every mapping and presets file in mappings/.
func TestShippedFiles(t *testing.T) {
	files, err := filepath.Glob("../mappings/*.yaml")
	if err != nil || len(files) < 6 {
		t.Fatalf("shipped files: %v %v", files, err)
	}
	var presets *Presets
	for _, f := range files {
		if filepath.Base(f) == "presets.yaml" {
			if presets, err = LoadPresets(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		if filepath.Base(f) == "presets.yaml" {
			continue
		}
		m, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Rules) == 0 {
			t.Errorf("%s: no rules", f)
		}
		for _, r := range m.Rules {
			if p := r.Spec.Preset; p != "" {
				if _, _, err := presets.Find(p); err != nil {
					t.Errorf("%s:%d: %v", f, r.Line, err)
				}
			}
		}
	}
}
