package workforce

import ()

// PersonStatus is one person's training on a day.
type PersonStatus struct {
	Person      *Person       `json:"person"`
	Assignments []*Assignment `json:"assignments"`
	Assigned    int           `json:"assigned"`
	Done        int           `json:"done"`
	Overdue     int           `json:"overdue"`
}

// Status is the training program's standing on a day: each active
// person's assignments, and tallies per module, department and position.
type Status struct {
	AsOf        string          `json:"as_of"`
	People      []*PersonStatus `json:"people"`
	Modules     []Tally         `json:"modules"`
	Departments []Tally         `json:"departments"`
	Positions   []Tally         `json:"positions"`
	Overall     Tally           `json:"overall"`
}

// TrainingGoal is the CPG the training results verify: basic cybersecurity
// training (HPH CPGs, essential goal 4).
const TrainingGoal = "hph-cpg/essential-4"

// TrainingStandard is the Security Rule standard the same results verify:
// security awareness and training, 164.308(a)(5).
const TrainingStandard = "hipaa-sr/164.308(a)(5)"
