using Cybernet.Web.Signaling;

using Microsoft.AspNetCore.SignalR;

namespace Cybernet.Web.Presence;

/// <summary>This node's end of the backplane: forwards what user grains push to the local SignalR connections.</summary>
/// <remarks>
/// Orleans runs the calls of a client-side observer one at a time, and this node has one observer for all its sessions.
/// So a push only starts each connection's write and returns: awaiting the writes made every push on the node wait for
/// the slowest socket, and under load the node's pushes queued behind each other. Each connection is looked up by id;
/// <c>Clients(ids)</c> would have SignalR's lifetime manager scan every connection on the node for each push. Writes to
/// one connection keep their order: each is entered, in the order the pushes come, before the push returns.
/// </remarks>
public sealed partial class SessionObserver(IHubContext<SessionHub, ISessionClient> hub, ILogger<SessionObserver> logger) : ISessionObserver
{
    public Task PresenceChanged(ImmutableArray<string> connectionIds, UserPresence presence)
    {
        var dto = PresenceDto.From(presence);
        return Push(connectionIds, c => c.Presence(dto));
    }

    public Task ContactsChanged(ImmutableArray<string> connectionIds) => Push(connectionIds, c => c.ContactsChanged());

    public Task SignalReceived(ImmutableArray<string> connectionIds, RelayedSignal signal)
    {
        var dto = new IncomingSignalDto(signal.FromUser, signal.FromSession, signal.Kind, signal.Payload);
        return Push(connectionIds, c => c.Signal(dto));
    }

    public Task CallChanged(ImmutableArray<string> connectionIds, CallUpdate call)
    {
        var dto = CallDto.From(call);
        return Push(connectionIds, c => c.Call(dto));
    }

    public Task CallSignalReceived(ImmutableArray<string> connectionIds, CallSignal signal)
    {
        var dto = new IncomingCallSignalDto(signal.CallId, signal.FromUser, signal.FromSession, signal.Kind, signal.Payload);
        return Push(connectionIds, c => c.CallSignal(dto));
    }

    private Task Push(ImmutableArray<string> connectionIds, Func<ISessionClient, Task> send)
    {
        foreach (var id in connectionIds)
        {
            var write = send(hub.Clients.Client(id));
            if (!write.IsCompletedSuccessfully)
            {
                _ = ObserveAsync(write);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>A write that fails (the connection closed meanwhile) loses only what its own session would have shown.</summary>
    private async Task ObserveAsync(Task write)
    {
        try
        {
            await write;
        }
        catch (Exception ex)
        {
            LogPushFailed(ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A push to a session failed ({Error}); the session has gone")]
    private partial void LogPushFailed(string error);
}
