// Package graph is Frontdesk's GraphQL layer: thin resolvers over the
// services in internal/, dataloaders, the error presenter and the HTTP and
// WebSocket handler. Nothing here touches SQL.
package graph

import (
	"frontdesk/internal/channel"
	"frontdesk/internal/conversation"
	"frontdesk/internal/lead"
	"frontdesk/internal/media"
	"frontdesk/internal/metrics"
	"frontdesk/internal/organization"
	"frontdesk/internal/pipeline"
	"frontdesk/internal/realtime"
)

// Resolver holds the services the resolvers call.
type Resolver struct {
	OrgSvc     *organization.Service
	ChannelSvc *channel.Service
	// Connections connects channel accounts and knows their webhook URLs.
	Connections *channel.Connections
	ConvSvc     *conversation.Service
	LeadSvc     *lead.Service
	Hub         *realtime.Hub
	Pipeline    *pipeline.Processor
	MetricsSvc  *metrics.Service
	// EventLoaders are shared by all subscriptions of the process.
	EventLoaders *EventLoaders
	// Media stores platform files and says where clients read them.
	Media *media.Service
	// Templates lists WhatsApp message templates and sets the
	// re-engagement template.
	Templates *channel.Templates
}
