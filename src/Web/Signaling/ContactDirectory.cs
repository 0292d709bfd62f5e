using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace Cybernet.Web.Signaling;

/// <summary>Joins a user's contact book (ids, from the grain) with names from the accounts table.</summary>
public sealed class ContactDirectory(AccountsDbContext db)
{
    public async Task<Guid?> FindUserIdAsync(string userName, CancellationToken cancellationToken)
    {
        var normalized = db.Users.Where(u => u.NormalizedUserName == userName.ToUpperInvariant());
        return await normalized.Select(u => (Guid?)u.Id).FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<ContactListDto> DescribeAsync(Guid me, ContactBook book, CancellationToken cancellationToken)
    {
        var ids = book.Contacts.Select(c => c.UserId).Concat(book.Blocked).Append(me).Distinct().ToList();
        var names = await db.Users.Where(u => ids.Contains(u.Id))
            .Select(u => new { u.Id, u.UserName, u.DisplayName })
            .ToDictionaryAsync(u => u.Id, cancellationToken);
        var presence = book.KnownPresence.ToDictionary(p => p.UserId);

        PersonDto? Person(Guid id, DateTimeOffset since) =>
            names.TryGetValue(id, out var n) ? new PersonDto(id, n.UserName!, n.DisplayName, since) : null;

        List<PersonDto> Of(ContactStatus status) =>
            [.. book.Contacts.Where(c => c.Status == status).Select(c => Person(c.UserId, c.Since)).OfType<PersonDto>()];

        var contacts = Of(ContactStatus.Accepted)
            .Select(p => new ContactDto(p.UserId, p.UserName, p.DisplayName,
                presence.TryGetValue(p.UserId, out var known) ? PresenceDto.From(known) : null))
            .OrderBy(c => c.DisplayName, StringComparer.CurrentCultureIgnoreCase)
            .ToList();
        var blocked = book.Blocked.Select(id => Person(id, DateTimeOffset.MinValue)).OfType<PersonDto>().ToList();
        var pending = book.PendingOffers.Select(o => new PendingDto(o.From, o.Kind, o.Count, o.Since, o.Bytes)).ToList();
        var self = names.TryGetValue(me, out var mine)
            ? new ContactDto(me, mine.UserName!, mine.DisplayName, presence.TryGetValue(me, out var own) ? PresenceDto.From(own) : null, IsSelf: true)
            : throw new HubException("Your account no longer exists. Sign in again.");
        return new ContactListDto(self, contacts, Of(ContactStatus.RequestReceived), Of(ContactStatus.RequestSent), blocked, pending);
    }
}
