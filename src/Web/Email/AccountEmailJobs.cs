using Hangfire;

using Microsoft.AspNetCore.Identity;

namespace Cybernet.Web.Email;

/// <summary>
/// Account emails as durable background jobs: a page that asks for one returns at once, whatever the SMTP server
/// is doing, and Hangfire retries a failed send. The job makes the token itself when it runs, so no token is ever
/// stored with the job.
/// </summary>
public sealed class AccountEmailJobs(UserManager<AppUser> users, AccountEmails emails)
{
    [AutomaticRetry(Attempts = 8)]
    public async Task SendConfirmationAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(userId.ToString()) is { EmailConfirmed: false } user)
        {
            var token = await users.GenerateEmailConfirmationTokenAsync(user);
            await emails.SendConfirmationAsync(user, token, cancellationToken);
        }
    }

    [AutomaticRetry(Attempts = 8)]
    public async Task SendPasswordResetAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(userId.ToString()) is { EmailConfirmed: true } user)
        {
            var token = await users.GeneratePasswordResetTokenAsync(user);
            await emails.SendPasswordResetAsync(user, token, cancellationToken);
        }
    }

    [AutomaticRetry(Attempts = 8)]
    public async Task SendEmailChangeAsync(Guid userId, string newEmail, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(userId.ToString()) is { } user)
        {
            var token = await users.GenerateChangeEmailTokenAsync(user, newEmail);
            await emails.SendEmailChangeAsync(user, newEmail, token, cancellationToken);
        }
    }
}
