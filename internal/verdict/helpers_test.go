package verdict

import (
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// t0 is the constructed ledgers' epoch; ms(n) is n milliseconds after it.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ms(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

// book builds a ledger by hand; Seq follows insertion order like a real Ledger.
type book struct{ evs []ledger.Event }

func (b *book) add(at int, e ledger.Event) *book {
	e.Time = ms(at)
	e.Seq = int64(len(b.evs) + 1)
	b.evs = append(b.evs, e)
	return b
}

func (b *book) disruption(at int) *book {
	return b.add(at, ledger.Event{Kind: ledger.DisruptionStart, Probe: "disrupt", Detail: map[string]string{"action": "rollout-restart"}})
}

// victims records a DisruptionStart naming the pods it stops (bare names, as internal/disrupt writes them).
func (b *book) victims(at int, action string, pods string) *book {
	return b.add(at, ledger.Event{Kind: ledger.DisruptionStart, Probe: "disrupt", Detail: map[string]string{"action": action, "pods": pods}})
}

// done records the DisruptionDone that ends the last disruption.
func (b *book) done(at int) *book {
	return b.add(at, ledger.Event{Kind: ledger.DisruptionDone, Probe: "disrupt", Detail: map[string]string{"action": "rollout-restart"}})
}

// pod records a pod created and ready with an IP.
func (b *book) pod(at int, name, ip string) *book {
	b.add(at, ledger.Event{Kind: ledger.PodCreated, Probe: "watch", Pod: name, Detail: map[string]string{"ip": ip}})
	return b.add(at+10, ledger.Event{Kind: ledger.PodReady, Probe: "watch", Pod: name, Detail: map[string]string{"ip": ip}})
}

func (b *book) podEvent(at int, kind ledger.Kind, name string) *book {
	return b.add(at, ledger.Event{Kind: kind, Probe: "watch", Pod: name})
}

func (b *book) exit(at int, name, container string) *book {
	return b.add(at, ledger.Event{Kind: ledger.ContainerExited, Probe: "watch", Pod: name, Detail: map[string]string{"container": container}})
}

// conn records an ssh connection established at est through peer and ended
// at end with kind (and cause for drops). end < 0: never ended.
func (b *book) conn(id, peer string, est, end int, kind ledger.Kind, cause string) *book {
	b.add(est-1, ledger.Event{Kind: ledger.Dial, Probe: "ssh", Conn: id, Target: "127.0.0.1:2222"})
	b.add(est, ledger.Event{Kind: ledger.Established, Probe: "ssh", Conn: id, Peer: peer})
	if end >= 0 {
		b.add(end, ledger.Event{Kind: kind, Probe: "ssh", Conn: id, Cause: ledger.Cause(cause)})
	}
	return b
}

func (b *book) request(at, code int, errText string) *book {
	return b.add(at, ledger.Event{Kind: ledger.Request, Probe: "http", Conn: "http-000", Code: code, Error: errText})
}

func (b *book) outbound(at int, pod string, ok bool) *book {
	e := ledger.Event{Kind: ledger.Outbound, Probe: "outbound", Detail: map[string]string{"pod": pod}, Code: 200}
	if !ok {
		e.Code, e.Error = 0, "connection refused"
	}
	return b.add(at, e)
}

func intp(v int) *int           { return &v }
func floatp(v float64) *float64 { return &v }
func kinds(es []ledger.Event) []ledger.Kind {
	out := make([]ledger.Kind, len(es))
	for i, e := range es {
		out[i] = e.Kind
	}
	return out
}

// findings returns v's findings of one check.
func findings(v Verdict, check string) []Finding {
	var out []Finding
	for _, f := range v.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

func podMetric(v Verdict, pod string) *PodMetrics {
	for i := range v.Pods {
		if v.Pods[i].Pod == pod {
			return &v.Pods[i]
		}
	}
	return nil
}

// rollout is a gateway rollout: gw-a and gw-b (old) carry two connections
// each; new pods gw-c, gw-d come up; old pods are deleted at 1000 and 1500.
// drained=true: connections close cleanly before the old pods exit;
// drained=false: they drop right after the delete (hard stop).
func rollout(drained bool) *book {
	b := &book{}
	b.pod(-5000, "ns/gw-a", "10.0.0.1").pod(-5000, "ns/gw-b", "10.0.0.2")
	b.conn("ssh-000", "10.0.0.1:40000", -4000, -1, "", "")
	b.conn("ssh-001", "10.0.0.1:40001", -4000, -1, "", "")
	b.conn("ssh-002", "10.0.0.2:40002", -4000, -1, "", "")
	b.conn("ssh-003", "10.0.0.2:40003", -4000, -1, "", "")
	b.victims(0, "rollout-restart", "gw-a,gw-b")
	b.pod(200, "ns/gw-c", "10.0.0.3").pod(700, "ns/gw-d", "10.0.0.4")
	b.podEvent(1000, ledger.PodDeleting, "ns/gw-a").podEvent(1020, ledger.EndpointRemoved, "ns/gw-a")
	b.podEvent(1500, ledger.PodDeleting, "ns/gw-b").podEvent(1520, ledger.EndpointRemoved, "ns/gw-b")
	if drained {
		b.add(3000, ledger.Event{Kind: ledger.ClosedByClient, Probe: "ssh", Conn: "ssh-000"})
		b.add(3100, ledger.Event{Kind: ledger.ClosedByClient, Probe: "ssh", Conn: "ssh-001"})
		b.add(3200, ledger.Event{Kind: ledger.ClosedByServer, Probe: "ssh", Conn: "ssh-002"})
		b.add(3300, ledger.Event{Kind: ledger.ClosedByClient, Probe: "ssh", Conn: "ssh-003"})
		b.exit(3400, "ns/gw-a", "haproxy").exit(3500, "ns/gw-b", "haproxy")
	} else {
		b.exit(1005, "ns/gw-a", "haproxy").exit(1505, "ns/gw-b", "haproxy")
		b.add(1010, ledger.Event{Kind: ledger.Drop, Probe: "ssh", Conn: "ssh-000", Cause: "eof"})
		b.add(1011, ledger.Event{Kind: ledger.Drop, Probe: "ssh", Conn: "ssh-001", Cause: "reset"})
		b.add(1530, ledger.Event{Kind: ledger.Drop, Probe: "ssh", Conn: "ssh-002", Cause: "eof"})
		b.add(1531, ledger.Event{Kind: ledger.Drop, Probe: "ssh", Conn: "ssh-003", Cause: "eof"})
	}
	b.podEvent(4000, ledger.PodGone, "ns/gw-a").podEvent(4100, ledger.PodGone, "ns/gw-b")
	return b.done(4200)
}
