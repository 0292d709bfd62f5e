namespace Cybernet.Grains.Interfaces.Presence;

/// <summary>
/// Registered by a web node with the grain of each user it holds connections for; the grain pushes
/// through it to those connections. One-way, so a dead node never stalls a grain.
/// </summary>
[Alias("cybernet.session-observer")]
public interface ISessionObserver : IGrainObserver
{
    [OneWay, Alias("presence")]
    Task PresenceChanged(ImmutableArray<string> connectionIds, UserPresence presence);

    [OneWay, Alias("contacts")]
    Task ContactsChanged(ImmutableArray<string> connectionIds);

    [OneWay, Alias("signal")]
    Task SignalReceived(ImmutableArray<string> connectionIds, Signaling.RelayedSignal signal);

    [OneWay, Alias("call")]
    Task CallChanged(ImmutableArray<string> connectionIds, Calls.CallUpdate call);

    [OneWay, Alias("call-signal")]
    Task CallSignalReceived(ImmutableArray<string> connectionIds, Calls.CallSignal signal);
}
