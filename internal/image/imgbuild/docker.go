package imgbuild

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Run runs a command and returns its stdout; a failure carries the command and its stderr.
func Run(ctx context.Context, stdin io.Reader, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 4000 {
			msg = "..." + msg[len(msg)-4000:]
		}
		return stdout.String(), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, msg)
	}
	return stdout.String(), nil
}

// Docker runs the docker CLI.
func Docker(ctx context.Context, args ...string) (string, error) {
	return Run(ctx, nil, "docker", args...)
}

// DockerImageExists reports whether the local docker engine has image ref.
func DockerImageExists(ctx context.Context, ref string) (bool, error) {
	out, err := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", "{{.Id}}", ref).CombinedOutput()
	if err == nil {
		return true, nil
	}
	if strings.Contains(strings.ToLower(string(out)), "no such image") {
		return false, nil
	}
	return false, fmt.Errorf("docker image inspect %s: %v: %s (is dockerd up? ../shared/ci/docker-up starts it)", ref, err, strings.TrimSpace(string(out)))
}

// DockerLoad streams images into the local docker engine (docker is where kind nodes come from).
func DockerLoad(ctx context.Context, images map[string]v1.Image) error {
	pr, pw := io.Pipe()
	werr := make(chan error, 1)
	go func() {
		err := WriteArchiveTo(pw, images)
		pw.CloseWithError(err)
		werr <- err
	}()
	_, err := Run(ctx, pr, "docker", "load", "-q")
	pr.CloseWithError(err)
	if e := <-werr; e != nil && e != io.ErrClosedPipe {
		return fmt.Errorf("writing images for docker load: %w", e)
	}
	return err
}

// DockerLoadFile loads a docker-archive tarball into the local docker engine.
func DockerLoadFile(ctx context.Context, path string) error {
	_, err := Docker(ctx, "load", "-q", "-i", path)
	return err
}
