package catalog

// Diff is what one framework changes of another: each item of To with the
// items of From it is mapped to (either way), and the items of From no
// item of To touches. Between today's Security Rule and a proposed
// modification it says what the proposal would change.
type Diff struct {
	From, To  *Framework
	Changes   []Change
	Untouched []*Item // From's assessable items no item of To is mapped to
}

// Change is one item of the later framework with what it touches.
type Change struct {
	Item    *Item
	Touches []Touch
}

// Touch is an item of the earlier framework, with the mapping that ties
// it to the change.
type Touch struct {
	Item    *Item
	Mapping Mapping
}

// Diff compares two frameworks of the registry through their mappings.
func (r *Registry) Diff(from, to *Framework) *Diff {
	d := &Diff{From: from, To: to}
	touched := map[string]bool{}
	for _, it := range to.Items {
		if it.Kind == KindSection {
			continue
		}
		c := Change{Item: it}
		for _, rel := range r.Related(it.ID) {
			if r.FrameworkOf(rel.Item) != from {
				continue
			}
			c.Touches = append(c.Touches, Touch{Item: rel.Item, Mapping: rel.Mapping})
			touched[rel.Item.ID] = true
		}
		d.Changes = append(d.Changes, c)
	}
	for _, it := range from.Items {
		switch it.Kind {
		case KindSection, KindFunction, KindCategory:
			continue
		}
		if !touched[it.ID] && !it.Withdrawn {
			d.Untouched = append(d.Untouched, it)
		}
	}
	return d
}
