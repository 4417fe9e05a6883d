package modelcmd

import (
	"context"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/models"
)

// TestOfflineEmptyCache: with nothing cached, List shows every entry missing (or unverified), Verify of
// all reports NotFetched for each (not an error), and Fetch offline fails naming the model.
func TestOfflineEmptyCache(t *testing.T) {
	st, err := models.Open(models.Options{CacheDir: t.TempDir(), Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	rows := List(st)
	if len(rows) == 0 {
		t.Fatal("no entries listed")
	}
	for _, r := range rows {
		if (r.State != "missing" && r.State != "unverified") || r.Source == "" { // unverified: hashes not known yet
			t.Errorf("row %+v: want state missing (or unverified) and a source", r)
		}
	}
	names := ExpandNames(st, []string{"all"})
	var verdicts []Verdict
	if err := Verify(context.Background(), st, nil, func(_ string, v Verdict) { verdicts = append(verdicts, v) }); err != nil {
		t.Fatalf("Verify of an empty cache: %v", err)
	}
	if len(verdicts) != len(names) {
		t.Fatalf("%d verdicts for %d models", len(verdicts), len(names))
	}
	for _, v := range verdicts {
		if v != NotFetched {
			t.Fatalf("verdicts %v: want all NotFetched", verdicts)
		}
	}
	err = Fetch(context.Background(), st, []string{"movenet-lightning"}, func(name, _ string) { t.Errorf("%s fetched offline", name) })
	if err == nil || !strings.Contains(err.Error(), "movenet-lightning") {
		t.Fatalf("Fetch offline = %v, want an error naming the model", err)
	}
}
