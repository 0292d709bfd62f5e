namespace Cybernet.Web.Signaling;

/// <summary>What the server calls on a browser session.</summary>
public interface ISessionClient
{
    Task Presence(PresenceDto presence);

    Task ContactsChanged();

    Task Signal(IncomingSignalDto signal);
}
