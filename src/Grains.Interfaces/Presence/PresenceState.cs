namespace Cybernet.Grains.Interfaces.Presence;

/// <summary>How reachable a user is, as their contacts see it.</summary>
public enum PresenceState
{
    Offline = 0,
    Away = 1,
    Online = 2,
}
