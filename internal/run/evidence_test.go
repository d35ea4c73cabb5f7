package run

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"

	"github.com/drainproof/drainproof/internal/verdict"
)

// This test pins only the evidence directory's layout and content shape,
// against client-go's fake clientset (its logs are the fixed text "fake
// logs"). That collection really happens before the namespace is deleted,
// with real pods, events and previous logs, is proven on kind by the
// integrator's e2e runs, not here.
func TestEvidenceLayout(t *testing.T) {
	ns := "dp-x-abc123"
	restarted := corev1.ContainerStatus{Name: "haproxy", RestartCount: 1}
	pods := []corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Name: "gateway-b", Namespace: ns},
			Spec:   corev1.PodSpec{InitContainers: []corev1.Container{{Name: "setup"}}, Containers: []corev1.Container{{Name: "haproxy"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{restarted}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "gateway-a", Namespace: ns},
			Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "haproxy"}, {Name: "sidecar"}}},
			Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted"}},
	}
	ev := corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "gateway-a.1", Namespace: ns}, Reason: "Killing", Message: "Stopping container haproxy"}
	cs := fake.NewClientset(&pods[0], &pods[1], &ev)
	dir := filepath.Join(t.TempDir(), EvidenceDir)
	if err := collectEvidence(context.Background(), cs, ns, dir); err != nil {
		t.Fatal(err)
	}
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return err
	})
	sort.Strings(files)
	want := []string{
		"events.yaml",
		"logs/gateway-a/haproxy.log", "logs/gateway-a/sidecar.log",
		"logs/gateway-b/haproxy.log", "logs/gateway-b/haproxy.previous.log", "logs/gateway-b/setup.log",
		"pods.yaml",
	}
	if strings.Join(files, " ") != strings.Join(want, " ") {
		t.Fatalf("files\n got %v\nwant %v", files, want)
	}
	var list corev1.PodList
	b, _ := os.ReadFile(filepath.Join(dir, "pods.yaml"))
	if err := yaml.UnmarshalStrict(b, &list); err != nil {
		t.Fatal(err)
	}
	if list.Kind != "List" || len(list.Items) != 2 || list.Items[0].Name != "gateway-a" || list.Items[0].Kind != "Pod" ||
		list.Items[0].Status.Reason != "Evicted" {
		t.Errorf("pods.yaml: want both pods, sorted, typed, with status: %s", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "events.yaml")); !strings.Contains(string(b), "Stopping container haproxy") {
		t.Errorf("events.yaml: %s", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "logs/gateway-b/haproxy.previous.log")); string(b) != "fake logs" {
		t.Errorf("previous log: %q", b)
	}
}

// Evidence is kept when the run errored or its verdict is not green; a
// known-bad twin that failed as it must and a pass keep none.
func TestNeedsEvidence(t *testing.T) {
	for _, c := range []struct {
		res  *Result
		err  error
		want bool
	}{
		{nil, errors.New("workloads never available"), true},
		{&Result{Verdict: verdict.Verdict{Outcome: verdict.Pass}}, nil, false},
		{&Result{Verdict: verdict.Verdict{Outcome: verdict.FailedAsExpected}}, nil, false},
		{&Result{Verdict: verdict.Verdict{Outcome: verdict.Fail}}, nil, true},
		{&Result{Verdict: verdict.Verdict{Outcome: verdict.Incomplete}}, nil, true},
		{&Result{Verdict: verdict.Verdict{Outcome: verdict.ControlDidNotHold}}, nil, true},
		{&Result{Verdict: verdict.Verdict{Outcome: verdict.Pass}}, errors.New("cut short"), true},
	} {
		if got := needsEvidence(c.res, c.err); got != c.want {
			t.Errorf("%+v %v: got %v", c.res, c.err, got)
		}
	}
}
