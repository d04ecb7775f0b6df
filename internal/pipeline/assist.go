package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"frontdesk/internal/classify"
	"frontdesk/internal/conversation"
	"frontdesk/internal/llm"
	"frontdesk/jobs"
)

// LLM is the optional language model (llm.Client). The built-in path always
// decides first; the model may only refine a verdict the classifier is
// unsure of, reword a reply without changing its facts, and translate the
// customer's words for the team. Every call of one message shares one
// budget, the client's timeout, so a failing model costs at most that.
type LLM interface {
	Timeout() time.Duration
	Classify(ctx context.Context, text string, intents, languages []string) (llm.Verdict, error)
	Reword(ctx context.Context, draft, lang, tone string, facts []string) (string, error)
	Translate(ctx context.Context, text, toLang string) (string, error)
}

// SetLLM turns the language model on (nil turns it off).
func (p *Processor) SetLLM(m LLM) {
	if m == nil {
		p.llm.Store(nil)
		return
	}
	p.llm.Store(&m)
}

// model returns the language model, or nil.
func (p *Processor) model() LLM {
	if m := p.llm.Load(); m != nil {
		return *m
	}
	return nil
}

// assist is what the model contributes to one message: a refined verdict
// (computed before the transaction, so no lock waits on the network) and a
// deadline shared by the calls made inside it.
type assist struct {
	model    LLM
	verdict  *classify.Result
	deadline time.Time
}

// prepare classifies the message before its transaction and, when the
// classifier is unsure and a model is configured, asks the model too.
func (p *Processor) prepare(ctx context.Context, db bun.IDB, args jobs.ProcessMessageArgs) assist {
	m := p.model()
	if m == nil {
		return assist{}
	}
	a := assist{model: m, deadline: time.Now().Add(m.Timeout())}
	msg := new(conversation.Message)
	err := db.NewSelect().Model(msg).Column("text", "processed_at", "conversation_id").
		Where("organization_id = ? AND id = ?", args.OrganizationID, args.MessageID).Scan(ctx)
	if err != nil || msg.ProcessedAt != nil {
		return a
	}
	staff, _ := db.NewSelect().Table("conversations").Where("id = ? AND staff_user_id IS NOT NULL", msg.ConversationID).Exists(ctx)
	res := p.classifier.ClassifyCustomer(msg.Text)
	intents := customerIntents
	if staff {
		res, intents = p.classifier.Classify(msg.Text), allIntents
	}
	if res.Intent != classify.IntentUnclear && res.Confidence >= classify.ConfidenceThreshold {
		a.verdict = &res
		return a
	}
	cctx, cancel := context.WithDeadline(ctx, a.deadline)
	defer cancel()
	v, err := m.Classify(cctx, msg.Text, intents, classify.Languages())
	if err != nil {
		p.logLLM(ctx, "classify", err)
		a.verdict = &res
		return a
	}
	refined := res // keep the rule-based flags: escalation never depends on the model
	refined.Intent, refined.Confidence = classify.Intent(v.Intent), v.Confidence
	if v.Language != llm.LanguageUnknown {
		refined.Language = v.Language
	}
	a.verdict = &refined
	return a
}

// reword asks the model to word a drafted reply, within the message's
// budget; the draft stands on any failure.
func (t *turn) reword(ctx context.Context, draft string) string {
	if t.assist.model == nil || draft == "" || time.Until(t.assist.deadline) <= 0 {
		return draft
	}
	cctx, cancel := context.WithDeadline(ctx, t.assist.deadline)
	defer cancel()
	out, err := t.assist.model.Reword(cctx, draft, t.lang, string(t.settings.Tone), nil)
	if err != nil {
		t.p.logLLM(ctx, "reword", err)
		return draft
	}
	return out
}

// translate renders the customer's words in the team's language for the
// hand-off summary, when a model is configured and time is left.
func (t *turn) translate(ctx context.Context, text string) (string, bool) {
	if t.assist.model == nil || t.lang == t.org.TeamLanguage || time.Until(t.assist.deadline) <= 0 {
		return "", false
	}
	cctx, cancel := context.WithDeadline(ctx, t.assist.deadline)
	defer cancel()
	out, err := t.assist.model.Translate(cctx, text, t.org.TeamLanguage)
	if err != nil {
		t.p.logLLM(ctx, "translate", err)
		return "", false
	}
	return out, true
}

func (p *Processor) logLLM(ctx context.Context, op string, err error) {
	level := slog.LevelWarn
	if errors.Is(err, llm.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
		level = slog.LevelInfo
	}
	p.log.Log(ctx, level, "llm fell back to the built-in path", slog.String("op", op), slog.String("error", err.Error()))
}

var allIntents, customerIntents = func() ([]string, []string) {
	var all, customer []string
	for _, i := range classify.Intents() {
		all = append(all, string(i))
		switch i {
		case classify.IntentStockQuery, classify.IntentShiftSwap, classify.IntentPolicyQuestion, classify.IntentApprovalRequest:
		default:
			customer = append(customer, string(i))
		}
	}
	return all, customer
}()
