package drainproof

import (
	"io/fs"

	"github.com/drainproof/drainproof/scenarios"
)

// Scenario is a loaded, validated scenario and the files its manifests come
// from.
type Scenario struct {
	*scenarios.Scenario
	files fs.FS
}

// LoadScenario resolves ref: a name from the built-in catalog (`drainproof
// list`) or a scenario file's path. Errors name the file and field.
func LoadScenario(ref string) (*Scenario, error) {
	c, err := scenarios.Builtin()
	if err != nil {
		return nil, err
	}
	return resolve(c, ref)
}

func resolve(c *scenarios.Catalog, ref string) (*Scenario, error) {
	s, files, err := c.Resolve(ref)
	if err != nil {
		return nil, err
	}
	return &Scenario{Scenario: s, files: files}, nil
}
