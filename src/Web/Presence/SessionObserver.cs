using Cybernet.Web.Signaling;

using Microsoft.AspNetCore.SignalR;

namespace Cybernet.Web.Presence;

/// <summary>This node's end of the backplane: forwards what user grains push to the local SignalR connections.</summary>
public sealed class SessionObserver(IHubContext<SessionHub, ISessionClient> hub) : ISessionObserver
{
    public Task PresenceChanged(ImmutableArray<string> connectionIds, UserPresence presence) =>
        hub.Clients.Clients(connectionIds).Presence(PresenceDto.From(presence));

    public Task ContactsChanged(ImmutableArray<string> connectionIds) =>
        hub.Clients.Clients(connectionIds).ContactsChanged();

    public Task SignalReceived(ImmutableArray<string> connectionIds, RelayedSignal signal) =>
        hub.Clients.Clients(connectionIds).Signal(new IncomingSignalDto(signal.FromUser, signal.FromSession, signal.Kind, signal.Payload));

    public Task CallChanged(ImmutableArray<string> connectionIds, CallUpdate call) =>
        hub.Clients.Clients(connectionIds).Call(CallDto.From(call));

    public Task CallSignalReceived(ImmutableArray<string> connectionIds, CallSignal signal) =>
        hub.Clients.Clients(connectionIds).CallSignal(new IncomingCallSignalDto(signal.CallId, signal.FromUser, signal.FromSession, signal.Kind, signal.Payload));
}
