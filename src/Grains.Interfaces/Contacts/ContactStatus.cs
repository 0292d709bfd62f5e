namespace Cybernet.Grains.Interfaces.Contacts;

/// <summary>Where a relationship between two users stands, from one side.</summary>
public enum ContactStatus
{
    Accepted = 0,
    RequestSent = 1,
    RequestReceived = 2,
}
