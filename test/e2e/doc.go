// Package e2e holds the end-to-end suites: the real manager against a
// local fleet (internal/fleet) of a hub and spokes, driven the way users
// drive Aileron, through the API and the CLI.
package e2e
