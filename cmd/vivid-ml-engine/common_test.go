package main

import (
	"flag"
	"io"
	"reflect"
	"testing"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantPos []string
		wantDir string
		wantOff bool
		wantErr error
	}{
		{"flags first", []string{"--cache-dir", "/c", "a", "b"}, []string{"a", "b"}, "/c", false, nil},
		{"interleaved", []string{"a", "--offline", "b", "--cache-dir=/d"}, []string{"a", "b"}, "/d", true, nil},
		{"double dash", []string{"a", "--", "--offline", "-x"}, []string{"a", "--offline", "-x"}, "", false, nil},
		{"bad flag", []string{"a", "--nope"}, nil, "", false, errUsage},
		{"none", nil, nil, "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			cf := addCommonFlags(fs)
			pos, err := parseFlags(fs, tt.args)
			if err != tt.wantErr {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if !reflect.DeepEqual(pos, tt.wantPos) || cf.CacheDir != tt.wantDir || cf.Offline != tt.wantOff {
				t.Fatalf("pos %q dir %q offline %v", pos, cf.CacheDir, cf.Offline)
			}
		})
	}
}

func TestLoggerFlags(t *testing.T) {
	tests := []struct {
		level, format, wantErr string
	}{
		{"debug", "json", ""},
		{"WARN", "text", ""},
		{"loud", "text", `--log-level "loud": want debug, info, warn or error`},
		{"info", "xml", `--log-format "xml": want text or json`},
	}
	for _, tt := range tests {
		_, err := (&commonFlags{LogLevel: tt.level, LogFormat: tt.format}).logger()
		if got := ""; err != nil {
			got = err.Error()
			if got != tt.wantErr {
				t.Errorf("%s/%s: %q, want %q", tt.level, tt.format, got, tt.wantErr)
			}
		} else if tt.wantErr != "" {
			t.Errorf("%s/%s: no error, want %q", tt.level, tt.format, tt.wantErr)
		}
	}
}
