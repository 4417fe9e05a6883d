package tests

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestStatusPageInChromium: the status page a VJ keeps open, in headless Chromium. It
// shows per-stage fps and p50/p99, every parameter under its OSC address with its
// range, the mapping in force, the provider of the pose model and the learn state,
// and it updates without a reload: a broken mapping's file:line:column error and a
// /vivid/learn appear on the open page. It says it is read-only. With
// $VIVID_SCREENSHOT_DIR set, the screenshots are kept there to be looked at.
func TestStatusPageInChromium(t *testing.T) {
	chromium := needTool(t, "chromium")
	needPoseModels(t, "movenet-lightning")
	mf := filepath.Join(t.TempDir(), "touchosc.yaml")
	if err := os.WriteFile(mf, []byte("rules:\n  - osc: {address: /1/fader1}\n    target: strength\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := startCtlEngineCfg(t, "source: {spec: testpattern, fps: 15}\nosc_out: {targets: []}\n", "--mapping", mf, "--offline")
	b := openBrowser(t, chromium, e.http+"/")
	b.resize(t, 1300, 1400) // the whole page in one screenshot
	has := func(sel, want string) string {
		return `[...document.querySelectorAll(` + jsString(sel) + `)].some(x => x.textContent.includes(` + jsString(want) + `))`
	}
	for _, cond := range []string{
		has("#stages td", "capture"),
		has("#stages td", "pose"),
		has("#params td", "/vivid/strength"),
		has("#params td", "0 … 1"),
		has("#params td", "/vivid/steps"),
		has("#mapping", mf+" (mapping, 1)"),
		has("#models td", "movenet-lightning"),
		has("#models td", "cpu"),
		has("#gpus", "built without CUDA"), // the default build; the CUDA variant lists name and VRAM
		has("#learn", "not learning"),
		has("#control", "read-only"),
		has("#mapping-error", "none"),
	} {
		b.waitTrue(t, cond)
	}
	shot(t, b, "status-page.png")

	if err := os.WriteFile(mf, []byte("rules:\n  - osc: {address: /1/fader1}\n    target: strenght\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.send(t, "/vivid/learn", "guidance")
	b.waitTrue(t, has("#mapping-error", mf+`:3:13: unknown target "strenght"`))
	b.waitTrue(t, has("#files tr.err td", `unknown target "strenght"`))
	b.waitTrue(t, has("#learn", "learning guidance: move a control"))
	var points int
	b.eval(t, `(() => { const c = document.getElementById("plot-fps"); const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })()`, &points)
	if points < 100 {
		t.Fatalf("fps plot is empty: %d painted pixels", points)
	}
	shot(t, b, "status-page-error.png")
}

// shot takes a screenshot and keeps it in $VIVID_SCREENSHOT_DIR, if set.
func shot(t *testing.T, b *browser, name string) image.Image {
	t.Helper()
	img := b.screenshot(t)
	if dir := os.Getenv("VIVID_SCREENSHOT_DIR"); dir != "" {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		switch r {
		case '"', '\\':
			b = append(b, '\\', byte(r))
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, string(r)...)
		}
	}
	return string(append(b, '"'))
}
