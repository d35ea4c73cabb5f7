package reports

import (
	"fmt"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/verdict"
)

// Constructed runs at fixed times (ms resolution, like ledger.jsonl), so
// every rendering is reproducible and golden files are stable.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ms(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

type book struct{ evs []ledger.Event }

func (b *book) add(at int, e ledger.Event) *book {
	e.Time, e.Seq = ms(at), int64(len(b.evs)+1)
	b.evs = append(b.evs, e)
	return b
}

// pod records a pod of Deployment "gateway" as the watcher does: IP and workload role.
func (b *book) pod(at int, name, ip string) *book {
	d := func() map[string]string { return map[string]string{"ip": ip, "workload": "deployment/gateway"} }
	b.add(at, ledger.Event{Kind: ledger.PodCreated, Probe: "watch", Pod: name, Detail: d()})
	return b.add(at+10, ledger.Event{Kind: ledger.PodReady, Probe: "watch", Pod: name, Detail: d()})
}

func (b *book) podEvent(at int, kind ledger.Kind, name string, detail ...string) *book {
	e := ledger.Event{Kind: kind, Probe: "watch", Pod: name}
	if len(detail) == 2 {
		e.Detail = map[string]string{detail[0]: detail[1]}
	}
	return b.add(at, e)
}

func (b *book) conn(id, peer string, est int) *book {
	b.add(est-2, ledger.Event{Kind: ledger.Dial, Probe: "ssh", Conn: id, Target: "127.0.0.1:30022"})
	setup := time.Duration(20+len(b.evs)%7) * time.Millisecond
	return b.add(est, ledger.Event{Kind: ledger.Established, Probe: "ssh", Conn: id, Target: "127.0.0.1:30022", Peer: peer, Latency: setup})
}

func (b *book) end(at int, id string, kind ledger.Kind, cause string) *book {
	return b.add(at, ledger.Event{Kind: kind, Probe: "ssh", Conn: id, Cause: ledger.Cause(cause)})
}

// gatewayRollout: two old gateway pods carrying three SSH sessions each are
// rolled. drained: sessions end cleanly and the pods exit after the last one;
// otherwise every session drops right after its pod's delete.
func gatewayRollout(drained bool) []ledger.Event {
	b := &book{}
	b.pod(-6000, "drainproof-1/gateway-7d9f-a", "10.244.1.5").pod(-6000, "drainproof-1/gateway-7d9f-b", "10.244.2.7")
	for i := 0; i < 6; i++ {
		peer := fmt.Sprintf("10.244.1.5:%d", 40000+i)
		if i%2 == 1 {
			peer = fmt.Sprintf("10.244.2.7:%d", 40000+i)
		}
		b.conn(fmt.Sprintf("ssh-%03d", i), peer, -5000+i*10)
	}
	b.add(0, ledger.Event{Kind: ledger.DisruptionStart, Probe: "disrupt", Detail: map[string]string{"action": "rollout-restart", "pods": "gateway-7d9f-a,gateway-7d9f-b"}})
	b.pod(300, "drainproof-1/gateway-5c4b-c", "10.244.1.9")
	b.podEvent(900, ledger.PodDeleting, "drainproof-1/gateway-7d9f-a")
	b.podEvent(930, ledger.EndpointRemoved, "drainproof-1/gateway-7d9f-a")
	b.pod(1200, "drainproof-1/gateway-5c4b-d", "10.244.2.11")
	b.podEvent(1800, ledger.PodDeleting, "drainproof-1/gateway-7d9f-b")
	b.podEvent(1820, ledger.EndpointRemoved, "drainproof-1/gateway-7d9f-b")
	if drained {
		b.add(1500, ledger.Event{Kind: ledger.Stall, Probe: "ssh", Conn: "ssh-002", Latency: 450 * time.Millisecond})
		for i := 0; i < 6; i++ {
			kind := ledger.ClosedByClient
			if i == 4 {
				kind = ledger.ClosedByServer
			}
			b.end(4000+i*200, fmt.Sprintf("ssh-%03d", i), kind, "")
		}
		b.podEvent(5100, ledger.ContainerExited, "drainproof-1/gateway-7d9f-a", "container", "haproxy")
		b.podEvent(5300, ledger.ContainerExited, "drainproof-1/gateway-7d9f-b", "container", "haproxy")
	} else {
		b.podEvent(904, ledger.ContainerExited, "drainproof-1/gateway-7d9f-a", "container", "haproxy")
		b.podEvent(1803, ledger.ContainerExited, "drainproof-1/gateway-7d9f-b", "container", "haproxy")
		for i := 0; i < 6; i += 2 {
			b.end(906+i, fmt.Sprintf("ssh-%03d", i), ledger.Drop, "eof")
			b.end(1805+i, fmt.Sprintf("ssh-%03d", i+1), ledger.Drop, "reset")
		}
	}
	b.podEvent(6000, ledger.PodGone, "drainproof-1/gateway-7d9f-a").podEvent(6100, ledger.PodGone, "drainproof-1/gateway-7d9f-b")
	b.add(6100, ledger.Event{Kind: ledger.DisruptionDone, Probe: "disrupt", Detail: map[string]string{"action": "rollout-restart"}})
	return b.evs
}

func intp(v int) *int { return &v }

func goodExpect() verdict.Expect {
	return verdict.Expect{MaxDrops: intp(0), MaxLinger: verdict.DP(5 * time.Second), MaxDrainTime: verdict.DP(30 * time.Second)}
}

func twinExpect() verdict.Expect {
	e := goodExpect()
	e.ExpectFailure = &verdict.NegativeControl{FailChecks: []string{verdict.CheckDrops}, Attribution: verdict.AttributionRequired, PodPrefix: "gateway-"}
	return e
}

func goodRun() Result {
	return Judge(Run{
		Scenario: "gateway-rollout-ssh", Description: "Rolling the haproxy gateway drops no SSH session.",
		Profile: "manifests", Cluster: "drainproof", Namespace: "drainproof-1",
		Started: ms(-8000), Finished: ms(7000),
		Command:      []string{"drainproof", "run", "--scenario", "gateway-rollout-ssh", "--cluster", "drainproof", "--out", "out/gateway rollout"},
		ScenarioFile: "catalog/gateway-rollout-ssh.yaml", ScenarioDigest: "sha256:9f2c0000000000000000000000000000000000000000000000000000000000aa",
		DataPlane: &DataPlane{Proxy: "haproxy", Version: "3.0.11"},
		Env: &Environment{Drainproof: "v0.1.0", Commit: "0123456789abcdef0123456789abcdef01234567", Kubernetes: "v1.33.13", Kind: "v0.33.0",
			NodeImage: "drainproof/node:v1.33.13-airgap", Images: map[string]string{"gateway": "drainproof/gateway:manifests-1a2b", "fixtures": "drainproof/fixtures:3c4d"},
			Host: "linux/amd64, 2 CPUs, kernel 6.1.0, go1.26.8"},
	}, goodExpect(), gatewayRollout(true))
}

func twinRun() Result {
	return Judge(Run{
		Scenario: "gateway-rollout-ssh-nodrain", TwinOf: "gateway-rollout-ssh",
		Profile: "manifests", Cluster: "drainproof", Namespace: "drainproof-2",
		Started: ms(-8000), Finished: ms(7000),
		Command: []string{"drainproof", "run", "--scenario", "gateway-rollout-ssh-nodrain"},
	}, twinExpect(), gatewayRollout(false))
}

// badRun is the hard stop judged as a good scenario: it must fail.
func badRun() Result {
	r := twinRun()
	r.Run.Scenario, r.Run.TwinOf = "gateway-rollout-ssh-regressed", ""
	return Judge(r.Run, goodExpect(), r.Events)
}

// incompleteRun is the good rollout interrupted (Ctrl-C) before the
// disruption finished: the run engine's Incomplete event, no DisruptionDone.
func incompleteRun() Result {
	var evs []ledger.Event
	for _, e := range gatewayRollout(true) {
		if e.Time.Before(ms(2000)) {
			evs = append(evs, e)
		}
	}
	evs = append(evs, ledger.Event{Seq: int64(len(evs) + 1), Time: ms(2000), Kind: ledger.Incomplete, Probe: "run", Error: "interrupted (interrupt) before the run finished"})
	return Judge(Run{
		Scenario: "gateway-rollout-ssh", Profile: "manifests", Cluster: "drainproof", Namespace: "drainproof-3",
		Started: ms(-8000), Finished: ms(2000),
		Command: []string{"drainproof", "run", "--scenario", "gateway-rollout-ssh"},
	}, goodExpect(), evs)
}
