//go:build e2e

package disrupt_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/drainproof/drainproof/internal/disrupt"
	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/watch"
)

// testCtx bounds a test; the tests run in parallel, each in its own namespace.
func testCtx(t *testing.T) context.Context {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// names is the app's pods as the disruption will find them (sorted).
func (a *app) names() []string {
	var out []string
	for n := range a.ips {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func TestRolloutRestartReplacesEveryPod(t *testing.T) {
	ctx := testCtx(t)
	a := newApp(ctx, t, 2, nil)
	victims := a.names()
	if _, err := a.do(ctx, t, disrupt.Spec{Action: "rollout-restart", Target: "deployment/web"}); err != nil {
		t.Fatal(err)
	}
	checkDrained(t, a, victims, drainWant{grace: "30s", exited: true})

	d, err := env.cs.AppsV1().Deployments(a.ns).Get(ctx, appLabel, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rev := d.Annotations["deployment.kubernetes.io/revision"]
	rss, err := env.cs.AppsV1().ReplicaSets(a.ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + appLabel})
	if err != nil {
		t.Fatal(err)
	}
	var hash string
	for _, rs := range rss.Items {
		if rs.Annotations["deployment.kubernetes.io/revision"] == rev {
			hash = rs.Labels["pod-template-hash"]
			if rs.Status.AvailableReplicas != 2 || rs.Status.Replicas != 2 {
				t.Errorf("new ReplicaSet %s: %d available of %d, want 2 of 2", rs.Name, rs.Status.AvailableReplicas, rs.Status.Replicas)
			}
		} else if rs.Status.Replicas != 0 {
			t.Errorf("old ReplicaSet %s still has %d pods", rs.Name, rs.Status.Replicas)
		}
	}
	if hash == "" {
		t.Fatalf("no ReplicaSet of revision %s", rev)
	}
	pods := a.pods(ctx, t)
	if len(pods) != 2 {
		t.Errorf("%d pods after the rollout, want 2", len(pods))
	}
	for _, p := range pods {
		if slices.Contains(victims, p.Name) || p.DeletionTimestamp != nil || p.Labels["pod-template-hash"] != hash {
			t.Errorf("pod %s after the rollout: old pod, terminating or not of the new ReplicaSet (hash %s)", p.Name, hash)
		}
		if !has(a.l.Events(), ledger.PodReady, a.ns+"/"+p.Name) {
			t.Errorf("new pod %s: no pod-ready recorded", p.Name)
		}
	}
}

func TestDeleteWithGrace(t *testing.T) {
	ctx := testCtx(t)
	a := newApp(ctx, t, 2, nil)
	grace := int64(5)
	if _, err := a.do(ctx, t, disrupt.Spec{Action: "delete", Target: "pods/app=web", Grace: &grace}); err != nil {
		t.Fatal(err)
	}
	checkDrained(t, a, a.names()[:1], drainWant{grace: "5s", exited: true})
}

func TestForceDelete(t *testing.T) {
	ctx := testCtx(t)
	a := newApp(ctx, t, 2, nil)
	if _, err := a.do(ctx, t, disrupt.Spec{Action: "force-delete", Target: "pods/app=web"}); err != nil {
		t.Fatal(err)
	}
	checkDrained(t, a, a.names()[:1], drainWant{grace: "0s", exited: false})
}

func TestEvictGoesThroughTheEvictionAPI(t *testing.T) {
	ctx := testCtx(t)
	a := newApp(ctx, t, 2, nil)
	if _, err := a.do(ctx, t, disrupt.Spec{Action: "evict", Target: "pods/app=web"}); err != nil {
		t.Fatal(err)
	}
	checkDrained(t, a, a.names()[:1], drainWant{grace: "30s", exited: true, disruption: "EvictionByEvictionAPI"})
}

// A budget that never allows the eviction ends the action with an error
// naming the budget, within the action's timeout, and stops nothing.
func TestEvictRefusedByABudgetFailsNamingIt(t *testing.T) {
	ctx := testCtx(t)
	a := newApp(ctx, t, 2, nil)
	minAvailable := intstr.FromInt32(2)
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web-all"},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: &minAvailable,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": appLabel}}},
	}
	if _, err := env.cs.PolicyV1().PodDisruptionBudgets(a.ns).Create(ctx, pdb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The budget counts both pods healthy first, or the refusal would be "still being processed".
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		b, err := env.cs.PolicyV1().PodDisruptionBudgets(a.ns).Get(ctx, pdb.Name, metav1.GetOptions{})
		return err == nil && b.Status.ObservedGeneration >= b.Generation && b.Status.CurrentHealthy == 2, nil
	})
	if err != nil {
		t.Fatalf("budget never counted 2 healthy pods: %v", err)
	}
	timeout := 15 * time.Second
	took, err := a.do(ctx, t, disrupt.Spec{Action: "evict", Target: "pods/app=web", Timeout: timeout})
	if err == nil {
		t.Fatal("eviction against minAvailable = replicas succeeded")
	}
	t.Logf("error: %v", err)
	for _, want := range []string{"refused", "PodDisruptionBudget web-all (minAvailable 2, 2 healthy, 0 disruptions allowed)", "disruption budget web-all needs 2 healthy pods"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q", want)
		}
	}
	if took < timeout || took > timeout+10*time.Second {
		t.Errorf("refused eviction took %s, want the %s timeout (retried until then, no hang)", took, timeout)
	}
	es := a.l.Events()
	if len(find(es, ledger.DisruptionDone, "")) != 0 || len(find(es, ledger.PodDeleting, "")) != 0 {
		t.Error("a refused eviction recorded disruption-done or a pod deletion")
	}
	if notes := find(es, ledger.Note, ""); len(notes) == 0 || !strings.Contains(notes[0].e.Detail["note"], "refused") {
		t.Errorf("no note recorded the refusal: %+v", notes)
	}
	for _, p := range a.pods(ctx, t) {
		if p.DeletionTimestamp != nil {
			t.Errorf("pod %s is being deleted although its eviction was refused", p.Name)
		}
	}
}

func TestScaleZeroLeavesNoPod(t *testing.T) {
	ctx := testCtx(t)
	a := newApp(ctx, t, 2, nil)
	victims := a.names()
	if _, err := a.do(ctx, t, disrupt.Spec{Action: "scale-zero", Target: "deployment/web"}); err != nil {
		t.Fatal(err)
	}
	checkDrained(t, a, victims, drainWant{grace: "30s", exited: true})
	if pods := a.pods(ctx, t); len(pods) != 0 {
		t.Errorf("%d pods left after scale-zero", len(pods))
	}
}

// The watcher records each transition once, however often the informer hands
// the same objects over: resyncs (every second here) and updates that change
// nothing the watcher records (annotations) add no events; a disruption
// afterwards is still recorded exactly once.
func TestWatchRecordsEachTransitionOnce(t *testing.T) {
	ctx := testCtx(t)
	a := newApp(ctx, t, 2, func(w *watch.Watcher) { w.Resync = time.Second })
	before, n0 := a.l.Len(), a.w.Notifications()
	const updates = 5
	for i := range updates {
		for name := range a.ips {
			patch := `{"metadata":{"annotations":{"drainproof.dev/touch":"` + time.Now().Format(time.RFC3339Nano) + `"}}}`
			if _, err := env.cs.CoreV1().Pods(a.ns).Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
				t.Fatalf("update %d of pod %s: %v", i, name, err)
			}
		}
	}
	// 2 pods × updates, plus at least 3 resyncs of 2 pods and 1 slice.
	want := n0 + 2*updates + 3*3
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return a.w.Notifications() >= want, nil
	})
	if err != nil {
		t.Fatalf("the watcher handled %d notifications, want ≥ %d (updates and resyncs): %v", a.w.Notifications(), want, err)
	}
	if after := a.l.Len(); after != before {
		dump(t, a.l)
		t.Fatalf("%d events recorded from updates and resyncs that changed nothing", after-before)
	}
	t.Logf("%d notifications handled, no event recorded", a.w.Notifications()-n0)
	if _, err := a.do(ctx, t, disrupt.Spec{Action: "delete", Target: "pods/app=web"}); err != nil {
		t.Fatal(err)
	}
	checkDrained(t, a, a.names()[:1], drainWant{grace: "30s", exited: true})
}

// A pod action's target must select something: a clear error, no ledger entry.
func TestNoMatchingPodIsAClearError(t *testing.T) {
	ctx := testCtx(t)
	a := newApp(ctx, t, 1, nil)
	_, err := a.do(ctx, t, disrupt.Spec{Action: "delete", Target: "pods/app=nothing"})
	if err == nil || !strings.Contains(err.Error(), `no running pods match "app=nothing"`) {
		t.Fatalf("error %v, want one naming the selector", err)
	}
	if n := len(find(a.l.Events(), ledger.DisruptionStart, "")); n != 0 {
		t.Errorf("%d disruption-start events for a disruption that found no pod", n)
	}
}

// The victim of a pod action is the pod carrying the probes' traffic (pick
// busiest, the default), not the first by name, and DisruptionStart records
// what each pod carried; pick all stops every pod.
func TestPickChoosesByWhatPodsCarry(t *testing.T) {
	ctx := testCtx(t)
	a := newApp(ctx, t, 2, nil)
	names := a.names()
	busy := names[1]
	for i, pod := range names {
		for j := 0; j <= i*2; j++ { // names[0] carries 1 connection, names[1] carries 3
			id := pod + "-conn-" + string(rune('a'+j))
			_ = a.l.Add(ledger.Event{Kind: ledger.Dial, Probe: "ssh", Conn: id})
			_ = a.l.Add(ledger.Event{Kind: ledger.Established, Probe: "ssh", Conn: id, Pod: a.ns + "/" + pod})
		}
	}
	if _, err := a.do(ctx, t, disrupt.Spec{Action: "evict", Target: "pods/app=web"}); err != nil {
		t.Fatal(err)
	}
	checkDrained(t, a, []string{busy}, drainWant{grace: "30s", exited: true, disruption: "EvictionByEvictionAPI"})
	for _, e := range a.l.Events() {
		if e.Kind == ledger.DisruptionStart {
			want := names[0] + "=1 connections/0 requests," + busy + "=3 connections/0 requests"
			if e.Detail["pods"] != busy || e.Detail["pick"] != disrupt.PickBusiest || e.Detail["carried"] != want {
				t.Fatalf("disruption-start detail %v, want pods=%s carried=%s", e.Detail, busy, want)
			}
		}
	}

	b := newApp(ctx, t, 2, nil)
	if _, err := b.do(ctx, t, disrupt.Spec{Action: "delete", Target: "pods/app=web", Pick: disrupt.PickAll}); err != nil {
		t.Fatal(err)
	}
	checkDrained(t, b, b.names(), drainWant{grace: "30s", exited: true})
}
