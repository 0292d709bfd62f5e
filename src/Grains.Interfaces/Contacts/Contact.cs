namespace Cybernet.Grains.Interfaces.Contacts;

/// <summary>One entry of a user's contact list or request inbox.</summary>
[GenerateSerializer, Immutable, Alias("cybernet.contact")]
public sealed record Contact(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] ContactStatus Status,
    [property: Id(2)] DateTimeOffset Since);

/// <summary>Everything the contacts sidebar and the requests inbox show for one user.</summary>
[GenerateSerializer, Immutable, Alias("cybernet.contact-book")]
public sealed record ContactBook(
    [property: Id(0)] ImmutableArray<Contact> Contacts,
    [property: Id(1)] ImmutableArray<Guid> Blocked,
    [property: Id(2)] ImmutableArray<Presence.UserPresence> KnownPresence,
    [property: Id(3)] ImmutableArray<Offers.PendingOffer> PendingOffers);
