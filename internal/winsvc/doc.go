// Package winsvc is the Windows service mode's body: registering with the Service Control
// Manager (Install, Uninstall) and running under it (Run), with logs to a file and start,
// stop and failures in the Event Log. The `service` flags are parsed, and results printed,
// in cmd/vivid-ml-engine; what runs is the function Run is given (the `run` command).
// Everything but this comment is Windows-only.
package winsvc
