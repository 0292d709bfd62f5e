using Microsoft.Extensions.Options;
using MimeKit;

namespace Cybernet.Web.Email;

/// <summary>The emails an account gets: confirm the address, reset the password, confirm a new address.</summary>
public sealed class AccountEmails(MailSender mail, IOptions<EmailOptions> options)
{
    public const string ConfirmKind = "confirm-email";
    public const string ResetKind = "reset-password";
    public const string ChangeKind = "change-email";

    private const string Footer = "You get this email because someone used this address on Cybernet Call. If it was not you, ignore it: nothing happens until the link is opened.";

    public Task SendConfirmationAsync(AppUser user, string token, CancellationToken cancellationToken) =>
        mail.SendAsync(new EmailLayout()
            .Heading($"Welcome, {user.DisplayName}")
            .Paragraph("Confirm your email address to finish creating your Cybernet Call account.")
            .Button("Confirm my address", options.Value.Link($"/Account/ConfirmEmail?userId={user.Id}&token={Uri.EscapeDataString(token)}"))
            .Fine("The link works for 24 hours.")
            .ToMessage(mail.From, To(user, user.Email!), "Confirm your email address", ConfirmKind, Footer), cancellationToken);

    public Task SendPasswordResetAsync(AppUser user, string token, CancellationToken cancellationToken) =>
        mail.SendAsync(new EmailLayout()
            .Heading("Reset your password")
            .Paragraph($"Someone asked to reset the password of @{user.UserName}. Choose a new one here:")
            .Button("Choose a new password", options.Value.Link($"/Account/ResetPassword?userId={user.Id}&token={Uri.EscapeDataString(token)}"))
            .Fine("The link works once, for 24 hours. Your password stays as it is until you use it.")
            .ToMessage(mail.From, To(user, user.Email!), "Reset your password", ResetKind, Footer), cancellationToken);

    public Task SendEmailChangeAsync(AppUser user, string newEmail, string token, CancellationToken cancellationToken) =>
        mail.SendAsync(new EmailLayout()
            .Heading("Confirm your new address")
            .Paragraph($"@{user.UserName} asked to use this address for Cybernet Call from now on.")
            .Button("Use this address", options.Value.Link($"/Account/ConfirmEmailChange?userId={user.Id}&email={Uri.EscapeDataString(newEmail)}&token={Uri.EscapeDataString(token)}"))
            .Fine("Until you confirm, emails keep going to the old address. The link works once, for 24 hours.")
            .ToMessage(mail.From, To(user, newEmail), "Confirm your new email address", ChangeKind, Footer), cancellationToken);

    private static MailboxAddress To(AppUser user, string address) => new(user.DisplayName, address);
}
