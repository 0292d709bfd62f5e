namespace Cybernet.Web.Signaling;

/// <summary>What the server calls on a browser session.</summary>
public interface ISessionClient
{
    Task Presence(PresenceDto presence);

    Task ContactsChanged();

    Task Signal(IncomingSignalDto signal);

    /// <summary>A call this user is in changed (rings, answered, connected, ended...).</summary>
    Task Call(CallDto call);

    Task CallSignal(IncomingCallSignalDto signal);
}
