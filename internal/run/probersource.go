package run

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/drainproof/drainproof/internal/probe/remote"
)

// podSource is one prober pod as a remote.Source: its stream is its
// container's log (kept by the kubelet, so it can be read again from the
// start), its clock and stop endpoints are reached through the API
// server's pod proxy.
type podSource struct {
	cs       kubernetes.Interface
	ns, name string
}

func (s *podSource) Open(ctx context.Context) (io.ReadCloser, error) {
	return s.cs.CoreV1().Pods(s.ns).GetLogs(s.name, &corev1.PodLogOptions{Container: proberContainer, Follow: true}).Stream(ctx)
}

func (s *podSource) get(ctx context.Context, path string) ([]byte, error) {
	return s.cs.CoreV1().Pods(s.ns).ProxyGet("http", s.name, strconv.Itoa(proberPort), path, nil).DoRaw(ctx)
}

func (s *podSource) Clock(ctx context.Context) (time.Time, error) {
	b, err := s.get(ctx, remote.ClockPath)
	if err != nil {
		return time.Time{}, err
	}
	return remote.ParseClockAnswer(b)
}

func (s *podSource) Stop(ctx context.Context) error {
	_, err := s.get(ctx, remote.StopPath)
	if err != nil {
		if _, ended, _ := s.Ended(ctx); ended {
			return nil // nothing left to stop
		}
	}
	return err
}

// Ended: the prober container terminated (restartPolicy Never: for good),
// or its pod is gone.
func (s *podSource) Ended(ctx context.Context) (string, bool, error) {
	p, err := s.cs.CoreV1().Pods(s.ns).Get(ctx, s.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return "pod " + s.name + " is gone", true, nil
	case err != nil:
		return "", false, err
	}
	for _, c := range p.Status.ContainerStatuses {
		if t := c.State.Terminated; c.Name == proberContainer && t != nil {
			return fmt.Sprintf("container exited with code %d (%s)", t.ExitCode, t.Reason), true, nil
		}
	}
	if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
		return "pod " + string(p.Status.Phase) + ": " + p.Status.Reason, true, nil
	}
	return "", false, nil
}

func (s *podSource) Where(ctx context.Context) string {
	p, err := s.cs.CoreV1().Pods(s.ns).Get(ctx, s.name, metav1.GetOptions{})
	if err != nil {
		return "pod " + s.ns + "/" + s.name
	}
	return "pod " + s.ns + "/" + s.name + " on node " + p.Spec.NodeName
}
