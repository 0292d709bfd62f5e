using System.Collections.Concurrent;

namespace Cybernet.Grains.Tests;

/// <summary>A web node stand-in: remembers everything grains push to it.</summary>
public sealed class RecordingObserver : ISessionObserver
{
    public ConcurrentQueue<(ImmutableArray<string> To, UserPresence Presence)> Presence { get; } = new();

    public ConcurrentQueue<ImmutableArray<string>> ContactChanges { get; } = new();

    public ConcurrentQueue<(ImmutableArray<string> To, RelayedSignal Signal)> Signals { get; } = new();

    public ConcurrentQueue<(ImmutableArray<string> To, CallUpdate Call)> Calls { get; } = new();

    public ConcurrentQueue<(ImmutableArray<string> To, CallSignal Signal)> CallSignals { get; } = new();

    public Task CallChanged(ImmutableArray<string> connectionIds, CallUpdate call)
    {
        Calls.Enqueue((connectionIds, call));
        return Task.CompletedTask;
    }

    public Task CallSignalReceived(ImmutableArray<string> connectionIds, CallSignal signal)
    {
        CallSignals.Enqueue((connectionIds, signal));
        return Task.CompletedTask;
    }

    /// <summary>The last call update pushed to <paramref name="connectionId"/>, if any.</summary>
    public CallUpdate? LastCallFor(string connectionId) =>
        Calls.Where(c => c.To.Contains(connectionId)).Select(c => c.Call).LastOrDefault();

    public Task PresenceChanged(ImmutableArray<string> connectionIds, UserPresence presence)
    {
        Presence.Enqueue((connectionIds, presence));
        return Task.CompletedTask;
    }

    public Task ContactsChanged(ImmutableArray<string> connectionIds)
    {
        ContactChanges.Enqueue(connectionIds);
        return Task.CompletedTask;
    }

    public Task SignalReceived(ImmutableArray<string> connectionIds, RelayedSignal signal)
    {
        Signals.Enqueue((connectionIds, signal));
        return Task.CompletedTask;
    }

    /// <summary>The last presence this node was told for <paramref name="userId"/>, if any.</summary>
    public UserPresence? LastPresenceOf(Guid userId) =>
        Presence.Where(p => p.Presence.UserId == userId).Select(p => p.Presence).LastOrDefault();
}
