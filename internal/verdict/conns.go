package verdict

import (
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// Conn is one probe connection's life as the verdict saw it: reports draw
// these and never rebuild them from the ledger. Only connections that
// reached Established are listed.
type Conn struct {
	ID    string    `json:"id"`
	Probe string    `json:"probe,omitempty"`
	Peer  string    `json:"peer,omitempty"`
	Pod   string    `json:"pod,omitempty"` // carrying pod (attribution rule), "" when unattributable
	Start time.Time `json:"start"`         // Established
	// End is the connection's first ending event; nil when it was still open
	// when the ledger ended.
	End     *time.Time   `json:"end,omitempty"`
	EndKind ledger.Kind  `json:"endKind,omitempty"` // ClosedByClient, ClosedByServer or Drop
	Cause   ledger.Cause `json:"cause,omitempty"`   // the end's cause (drops)
	Stalls  []time.Time  `json:"stalls,omitempty"`
	// DropSeq is the Seq of the Drop event that ended it (0: not dropped);
	// it equals the Seq of the matching Drop in Verdict.DropDetails.
	DropSeq int64 `json:"dropSeq,omitempty"`
}

// Dropped says whether the connection ended in a Drop.
func (c Conn) Dropped() bool { return c.EndKind == ledger.Drop }

// RequestOK says whether a Request, Hit or Outbound event succeeded: no
// error, no cause, and no HTTP error status (Code 0 with no error counts as
// success, for calls that are not HTTP). It is the one rule; reports use it.
func RequestOK(e ledger.Event) bool { return requestOK(e) }

// conns lists the established connections in order of first event.
func (ix *index) connLives() []Conn {
	out := make([]Conn, 0, len(ix.connIDs))
	for _, id := range ix.connIDs {
		c := ix.conns[id]
		if c.established == nil {
			continue
		}
		l := Conn{ID: id, Probe: c.established.Probe, Peer: c.peer, Pod: c.pod, Start: c.established.Time, Stalls: c.stallTimes}
		if c.end != nil {
			l.End, l.EndKind, l.Cause = timePtr(c.end.Time), c.end.Kind, c.end.Cause
			if c.end.Kind == ledger.Drop {
				l.DropSeq = c.end.Seq
			}
		}
		out = append(out, l)
	}
	return out
}
