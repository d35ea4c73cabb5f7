package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"
)

// EvidenceDir is where, inside a run's --out, a failed run keeps what its
// namespace held before it is deleted:
//
//	evidence/pods.yaml                            every pod, spec and status (a v1 List)
//	evidence/events.yaml                          the namespace's events, oldest first (a v1 List)
//	evidence/logs/<pod>/<container>.log           every container's log, init containers too
//	evidence/logs/<pod>/<container>.previous.log  the previous instance's, when it restarted
//	evidence/errors.txt                           what could not be collected (only if anything)
const EvidenceDir = "evidence"

// evidenceTimeout bounds the collection: a cluster that stopped answering
// must not hold the namespace's deletion.
const evidenceTimeout = time.Minute

// needsEvidence says whether a run's namespace is worth keeping evidence
// of: the run errored, or its verdict is not green (FAIL, INCOMPLETE, a
// control that did not hold). A known-bad twin failing as it must is green.
func needsEvidence(res *Result, err error) bool {
	return err != nil || res != nil && !res.Verdict.Outcome.OK()
}

// collectEvidence writes ns's pods, events and container logs into dir
// (see EvidenceDir). It keeps going past errors and records them in
// errors.txt; the returned error says only that some evidence is missing.
func collectEvidence(ctx context.Context, cs kubernetes.Interface, ns, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, evidenceTimeout)
	defer cancel()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []error
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		errs = append(errs, fmt.Errorf("list pods: %w", err))
		pods = &corev1.PodList{}
	}
	sort.Slice(pods.Items, func(i, j int) bool { return pods.Items[i].Name < pods.Items[j].Name })
	pods.APIVersion, pods.Kind = "v1", "List"
	for i := range pods.Items {
		pods.Items[i].APIVersion, pods.Items[i].Kind = "v1", "Pod"
	}
	errs = append(errs, writeYAML(filepath.Join(dir, "pods.yaml"), pods))

	events, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		errs = append(errs, fmt.Errorf("list events: %w", err))
		events = &corev1.EventList{}
	}
	sort.SliceStable(events.Items, func(i, j int) bool { return eventTime(events.Items[i]).Before(eventTime(events.Items[j])) })
	events.APIVersion, events.Kind = "v1", "List"
	for i := range events.Items {
		events.Items[i].APIVersion, events.Items[i].Kind = "v1", "Event"
	}
	errs = append(errs, writeYAML(filepath.Join(dir, "events.yaml"), events))

	for _, p := range pods.Items {
		for _, c := range containersOf(p) {
			base := filepath.Join(dir, "logs", p.Name, c.name)
			errs = append(errs, saveLog(ctx, cs, ns, p.Name, c.name, false, base+".log"))
			if c.restarted {
				errs = append(errs, saveLog(ctx, cs, ns, p.Name, c.name, true, base+".previous.log"))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		_ = os.WriteFile(filepath.Join(dir, "errors.txt"), []byte(err.Error()+"\n"), 0o644)
		return fmt.Errorf("evidence in %s is incomplete: %w", dir, err)
	}
	return nil
}

type containerRef struct {
	name      string
	restarted bool // an earlier instance ran: its log is the previous one
}

// containersOf lists a pod's init, regular and ephemeral containers.
func containersOf(p corev1.Pod) []containerRef {
	restarted := map[string]bool{}
	for _, ss := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses, p.Status.EphemeralContainerStatuses} {
		for _, s := range ss {
			restarted[s.Name] = s.RestartCount > 0 || s.LastTerminationState.Terminated != nil
		}
	}
	var out []containerRef
	for _, c := range p.Spec.InitContainers {
		out = append(out, containerRef{c.Name, restarted[c.Name]})
	}
	for _, c := range p.Spec.Containers {
		out = append(out, containerRef{c.Name, restarted[c.Name]})
	}
	for _, c := range p.Spec.EphemeralContainers {
		out = append(out, containerRef{c.Name, restarted[c.Name]})
	}
	return out
}

func saveLog(ctx context.Context, cs kubernetes.Interface, ns, pod, container string, previous bool, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	rc, err := cs.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{Container: container, Previous: previous, Timestamps: true}).Stream(ctx)
	if err != nil {
		return fmt.Errorf("logs of %s/%s (previous=%v): %w", pod, container, previous, err)
	}
	defer rc.Close()
	var b bytes.Buffer
	_, cerr := io.Copy(&b, rc)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return err
	}
	if cerr != nil {
		return fmt.Errorf("logs of %s/%s (previous=%v): %w", pod, container, previous, cerr)
	}
	return nil
}

func writeYAML(path string, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return os.WriteFile(path, b, 0o644)
}

// eventTime is when an event last happened, whichever field its source set.
func eventTime(e corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.FirstTimestamp.Time
}
