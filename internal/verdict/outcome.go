package verdict

// Outcome is a run's headline: what a person or a CI system concludes. It is
// the one place a verdict becomes a word; reports, JUnit, the qualification
// report and exit codes all read it. Only Pass (and, for a known-bad twin,
// FailedAsExpected) is green.
type Outcome string

const (
	Pass              Outcome = "PASS"
	Fail              Outcome = "FAIL"
	FailedAsExpected  Outcome = "FAILED AS EXPECTED"   // a known-bad twin failed as it must
	ControlDidNotHold Outcome = "CONTROL DID NOT HOLD" // a known-bad twin passed, or failed the wrong way
	// Incomplete: the run cannot tell (interrupted, nothing disrupted, nothing
	// carried, torn or empty ledger). Never a pass, never a twin's failure.
	Incomplete Outcome = "INCOMPLETE"
	// NotRun: the run never started, something it needs cannot be had here
	// (a ledger.NotRun event; IncompleteReasons say what). Never a pass.
	NotRun Outcome = "NOT RUN"
)

// OK says whether a suite is green for this outcome.
func (o Outcome) OK() bool { return o == Pass || o == FailedAsExpected }

// outcomeOf derives the headline. Incomplete wins over everything: a run
// that could not tell is neither a pass nor a twin's expected failure.
func outcomeOf(v Verdict) Outcome {
	switch {
	case len(v.IncompleteReasons) > 0:
		return Incomplete
	case v.Control == nil && v.Pass:
		return Pass
	case v.Control == nil:
		return Fail
	case v.Control.Held:
		return FailedAsExpected
	}
	return ControlDidNotHold
}

// Overall is several runs' headline, the one rule for a suite, a report of
// several directories and an exit status: FAIL when any run is neither green
// nor unjudgeable, else INCOMPLETE when some run could not be judged (or
// none ran), else PASS.
func Overall(outcomes ...Outcome) Outcome {
	incomplete := len(outcomes) == 0
	for _, o := range outcomes {
		switch {
		case o.OK():
		case o == Incomplete || o == NotRun:
			incomplete = true
		default:
			return Fail
		}
	}
	if incomplete {
		return Incomplete
	}
	return Pass
}
