package pipeline

// SetBeforeCommit installs a hook that runs just before the processing
// transaction commits.
func (p *Processor) SetBeforeCommit(f func() error) { p.beforeCommit = f }
