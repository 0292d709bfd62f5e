namespace Cybernet.Web.Email;

/// <summary>Outgoing email: SMTP settings (validated at start), the MailKit sender and the account emails.</summary>
public static class EmailExtensions
{
    public static IHostApplicationBuilder AddEmail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<MailSender>();
        builder.Services.AddSingleton<AccountEmails>();
        return builder;
    }
}
