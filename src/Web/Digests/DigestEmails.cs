using Cybernet.Web.Email;

using Microsoft.Extensions.Options;

using MimeKit;

namespace Cybernet.Web.Digests;

/// <summary>One user's digest to send: who they are and what waits for them (contact names and counts only).</summary>
public sealed record DigestContent(Guid DigestId, Guid UserId, string DisplayName, string Email, IReadOnlyList<DigestLine> Lines);

/// <summary>One line of a digest: a contact, a kind of event, how many are new since the last digest.</summary>
public sealed record DigestLine(string ContactName, string Kind, int Count);

/// <summary>Writes digest emails: counts and names, never content; with RFC 8058 one-click unsubscribe.</summary>
public sealed class DigestEmails(MailSender mail, UnsubscribeTokens tokens, IOptions<EmailOptions> options)
{
    public const string Kind = "digest";

    public MimeMessage Compose(DigestContent digest)
    {
        var total = digest.Lines.Sum(l => l.Count);
        var people = digest.Lines.Select(l => l.ContactName).Distinct(StringComparer.Ordinal).ToList();
        var subject = people.Count == 1
            ? $"{people[0]} left you {Things(total)}"
            : $"{people.Count} people left you {Things(total)}";
        var unsubscribe = options.Value.Link($"/unsubscribe/{Uri.EscapeDataString(tokens.Create(digest.UserId))}");

        var message = new EmailLayout()
            .Heading($"While you were away, {digest.DisplayName}")
            .Paragraph("These are waiting for you in Cybernet Call. They travel straight between browsers, so open the app to receive them.")
            .Items(digest.Lines.GroupBy(l => l.ContactName, StringComparer.Ordinal)
                .Select(g => (g.Key, string.Join(" · ", g.Select(l => UnseenEventKinds.Describe(l.Kind, l.Count))))))
            .Button("Open Cybernet Call", options.Value.Link("/"))
            .Fine("Change how often these arrive, or set quiet hours, in your notification settings.")
            .ToMessage(mail.From, new MailboxAddress(digest.DisplayName, digest.Email), subject, Kind,
                "You get this digest because things waited for you while you were offline.", ("Unsubscribe", unsubscribe));

        // The digest's id makes its Message-ID, so any copy of the same digest is recognisably the same email.
        message.MessageId = $"digest-{digest.DigestId:N}@{new Uri(options.Value.PublicBaseUrl).Host}";
        message.Headers.Add("List-Unsubscribe", $"<{unsubscribe.AbsoluteUri}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        message.Headers.Add("Auto-Submitted", "auto-generated");
        return message;
    }

    private static string Things(int total) => total == 1 ? "1 thing" : $"{total} things";
}
