package verdict

import (
	"testing"

	"github.com/drainproof/drainproof/internal/ledger"
)

// Behind a gateway the backend names itself (fixtures/sshd's banner pod=),
// but the connection is carried, and dropped, by the gateway pod it came
// through: the peer wins over the server's self-report, which is only the
// fallback when the peer is no known pod (a NodePort's SNAT address).
func TestPeerWinsOverServerSelfReport(t *testing.T) {
	b := (&book{}).pod(0, "ns/gateway-a", "10.244.0.5").pod(0, "ns/sshd-x", "10.244.0.9")
	b.add(99, ledger.Event{Kind: ledger.Dial, Probe: "ssh", Conn: "ssh-1"})
	b.add(100, ledger.Event{Kind: ledger.Established, Probe: "ssh", Conn: "ssh-1", Peer: "10.244.0.5:40000", Detail: map[string]string{"pod": "ns/sshd-x"}})
	b.add(99, ledger.Event{Kind: ledger.Dial, Probe: "ssh", Conn: "ssh-2"})
	b.add(100, ledger.Event{Kind: ledger.Established, Probe: "ssh", Conn: "ssh-2", Peer: "172.18.0.2:40001", Detail: map[string]string{"pod": "ns/sshd-x"}})
	b.disruption(200).podEvent(300, ledger.PodDeleting, "ns/gateway-a")
	b.add(400, ledger.Event{Kind: ledger.Drop, Probe: "ssh", Conn: "ssh-1", Cause: "eof"})
	b.add(400, ledger.Event{Kind: ledger.Drop, Probe: "ssh", Conn: "ssh-2", Cause: "eof"})
	v := Evaluate(Expect{}, b.evs)
	got := map[string]string{}
	for _, d := range v.DropDetails {
		got[d.Conn] = d.Pod
	}
	if got["ssh-1"] != "ns/gateway-a" || got["ssh-2"] != "ns/sshd-x" {
		t.Fatalf("attribution %v: want ssh-1 by its peer (gateway-a), ssh-2 by the server's self-report", got)
	}
}
