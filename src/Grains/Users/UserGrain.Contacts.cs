namespace Cybernet.Grains.Users;

/// <summary>Contacts with consent: request, accept, decline, remove, and silent blocking.</summary>
public sealed partial class UserGrain
{
    public async Task RequestContact(Guid userId)
    {
        if (userId == Me)
        {
            throw new ContactRuleException("You cannot add yourself as a contact.");
        }

        if (state.State.Contacts.TryGetValue(userId, out var existing))
        {
            if (existing.Status == ContactStatus.RequestReceived)
            {
                await AcceptContact(userId);
            }

            // Already a contact, or already asked: asking again changes nothing.
            return;
        }

        state.State.Blocked.Remove(userId);
        state.State.Contacts[userId] = new Contact(userId, ContactStatus.RequestSent, Now);
        await SaveAndTellSessionsAsync();
        User(userId).OnContactRequested(Me).Ignore();
    }

    public async Task AcceptContact(Guid userId)
    {
        if (!state.State.Contacts.TryGetValue(userId, out var existing) || existing.Status != ContactStatus.RequestReceived)
        {
            throw new ContactRuleException("There is no request from this user to accept.");
        }

        state.State.Contacts[userId] = existing with { Status = ContactStatus.Accepted, Since = Now };
        await SaveAndTellSessionsAsync();
        User(userId).OnContactAccepted(published).Ignore();
    }

    public async Task DeclineContact(Guid userId)
    {
        if (!state.State.Contacts.TryGetValue(userId, out var existing) || existing.Status != ContactStatus.RequestReceived)
        {
            throw new ContactRuleException("There is no request from this user to decline.");
        }

        state.State.Contacts.Remove(userId);
        await SaveAndTellSessionsAsync();
        User(userId).OnContactRemoved(Me).Ignore();
    }

    public async Task RemoveContact(Guid userId)
    {
        if (!state.State.Contacts.Remove(userId))
        {
            throw new ContactRuleException("This user is not in your contacts.");
        }

        contactPresence.Remove(userId);
        PendingOfferBook.Forget(state.State, userId);
        await SaveAndTellSessionsAsync();
        User(userId).OnContactRemoved(Me).Ignore();
    }

    public async Task Block(Guid userId)
    {
        if (userId == Me)
        {
            throw new ContactRuleException("You cannot block yourself.");
        }

        // Silent: the blocked user is not told; from now on they see us offline and their requests go nowhere.
        var wasOnline = contactPresence.Remove(userId);
        state.State.Contacts.Remove(userId);
        state.State.Blocked.Add(userId);
        PendingOfferBook.Forget(state.State, userId);
        await SaveAndTellSessionsAsync();
        if (wasOnline)
        {
            User(userId).OnContactPresence(UserPresence.Hidden(Me, Math.Max(published.Version + 1, Now.UtcTicks)), wantsReply: false).Ignore();
        }

        // Nothing we hold for them is worth an email to them any more.
        User(userId).OnOffersWithdrawn(Me).Ignore();
    }

    public async Task Unblock(Guid userId)
    {
        if (state.State.Blocked.Remove(userId))
        {
            await SaveAndTellSessionsAsync();
        }
    }

    public async Task OnContactRequested(Guid from)
    {
        if (state.State.Blocked.Contains(from))
        {
            return;
        }

        if (state.State.Contacts.TryGetValue(from, out var existing))
        {
            if (existing.Status == ContactStatus.RequestSent)
            {
                // Both asked: that is consent from both sides.
                state.State.Contacts[from] = existing with { Status = ContactStatus.Accepted, Since = Now };
                await SaveAndTellSessionsAsync();
            }

            if (state.State.Contacts[from].Status == ContactStatus.Accepted)
            {
                // They may have lost track of us; confirm so both sides agree.
                User(from).OnContactAccepted(published).Ignore();
            }

            return;
        }

        state.State.Contacts[from] = new Contact(from, ContactStatus.RequestReceived, Now);
        await SaveAndTellSessionsAsync();
    }

    public async Task OnContactAccepted(UserPresence accepter)
    {
        var by = accepter.UserId;
        if (state.State.Blocked.Contains(by))
        {
            return;
        }

        if (!state.State.Contacts.TryGetValue(by, out var existing))
        {
            // We withdrew the request meanwhile: make them drop us too.
            User(by).OnContactRemoved(Me).Ignore();
            return;
        }

        if (existing.Status != ContactStatus.Accepted)
        {
            state.State.Contacts[by] = existing with { Status = ContactStatus.Accepted, Since = Now };
            await SaveAndTellSessionsAsync();
        }

        await OnContactPresence(accepter, wantsReply: true);
    }

    public async Task OnContactRemoved(Guid by)
    {
        contactPresence.Remove(by);
        if (state.State.Contacts.Remove(by) | PendingOfferBook.Forget(state.State, by))
        {
            await SaveAndTellSessionsAsync();
        }
    }
}
